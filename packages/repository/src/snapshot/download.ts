import { close, constants, open, write } from "node:fs";
import { lstat, mkdir } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { UnsafePathError } from "../errors.js";
import { checkArchivePath } from "../safe-path.js";
import type { SnapshotObject } from "./types.js";

export interface DownloadResult {
  objects: number;
  /** YAML bytes written. */
  bytes: number;
}

/** Opened for writing, never through a symlink: a link already in the target directory is not followed. */
const WRITE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;

/**
 * Writes `data` to a new file at `path` (opened with `flags`, mode 0o666 less the umask): open,
 * write (again for what a short write left) and close on the pool, by callbacks. fs/promises'
 * writeFile does the same for twice the main thread's CPU a file (a FileHandle object and its
 * close-on-collect bookkeeping; 20,000 files of 2 KB into /dev/shm, 16 at once: 0.53 CPU-s
 * against 0.21–0.25, restore-read-micro.mjs in docs/benchmarks.md, "Session 2026-12-05: f2dl2"),
 * and the main thread bounds a download. The file is closed whatever fails.
 */
function writeNewFile(path: string, data: Buffer, flags: number): Promise<void> {
  return new Promise((resolve, reject) => {
    open(path, flags, 0o666, (opening, fd) => {
      if (opening) {
        reject(opening);
        return;
      }
      const done = (failure: Error | null) =>
        close(fd, (closing) => {
          const err = failure ?? closing;
          if (err) reject(err);
          else resolve();
        });
      const rest = (at: number): void => {
        if (at >= data.length) done(null);
        else
          write(fd, data, at, data.length - at, null, (writing, written) =>
            writing ? done(writing) : rest(at + written),
          );
      };
      rest(0);
    });
  });
}

/**
 * How many files a download writes at once: each write is an open, a write and a close on libuv's
 * thread pool, so one at a time leaves the pool idle while the main thread waits for each step.
 * @defaultValue 16
 */
export const WRITES_AT_ONCE = 16;

/**
 * Writes each object to `<toDir>/<path>`, up to WRITES_AT_ONCE at a time; refuses a path that
 * breaks the path rule (safe-path.ts), and a directory or file below `toDir` that is a symlink
 * (UnsafePathError): nothing is written outside `toDir`. The objects' paths come from
 * readSnapshotObjects, which refuses links in the archive, so no link is ever created. On an error
 * no further object is read or written, and the writes already started end before it is thrown.
 */
export async function writeTree(
  objects: AsyncIterable<SnapshotObject>,
  toDir: string,
  written: (bytes: number) => void = () => {},
): Promise<DownloadResult> {
  const root = resolve(toDir);
  await mkdir(root, { recursive: true });
  const dirs = new Map<string, Promise<void>>();
  const running = new Set<Promise<void>>();
  let failure: { err: unknown } | undefined;
  let count = 0;
  let bytes = 0;
  const write = async ({ path: unchecked, data }: SnapshotObject) => {
    const path = checkArchivePath(unchecked); // so below root: no `..`, not absolute
    await makeDirs(root, dirname(path), dirs);
    await writeNewFile(join(root, path), data, WRITE_FLAGS).catch((err: NodeJS.ErrnoException) => {
      throw err.code === "ELOOP" ? new UnsafePathError(path, "a symlink in the target directory") : err;
    });
    count += 1;
    bytes += data.length;
    written(data.length);
  };
  try {
    for await (const object of objects) {
      const writing: Promise<void> = write(object).then(
        () => void running.delete(writing),
        (err: unknown) => {
          running.delete(writing);
          failure ??= { err };
        },
      );
      running.add(writing);
      if (running.size >= WRITES_AT_ONCE) await Promise.race(running);
      if (failure) break;
    }
  } finally {
    await Promise.all(running); // never rejects: each write's error is kept in `failure`
  }
  if (failure) throw failure.err;
  return { objects: count, bytes };
}

/**
 * Creates `dir` (relative, checked) below `root` a segment at a time; each must be a real
 * directory. `dirs` holds each directory's creation once, so that writes at once wait for the same.
 */
function makeDirs(root: string, dir: string, dirs: Map<string, Promise<void>>): Promise<void> {
  if (dir === ".") return Promise.resolve();
  let made = dirs.get(dir);
  if (!made) {
    made = makeDirs(root, dirname(dir), dirs).then(() => makeDir(root, dir));
    dirs.set(dir, made);
  }
  return made;
}

async function makeDir(root: string, dir: string): Promise<void> {
  const path = join(root, dir);
  await mkdir(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== "EEXIST") throw err;
  });
  if (!(await lstat(path)).isDirectory())
    throw new UnsafePathError(dir, "not a directory in the target directory (a symlink or a file)");
}
