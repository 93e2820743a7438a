import { close, constants, fstat, ftruncate, open, write } from "node:fs";
import { lstat, mkdir } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { UnsafePathError } from "../errors.js";
import { checkArchivePath } from "../safe-path.js";
import type { PathAndData } from "./types.js";

export interface DownloadResult {
  objects: number;
  /** YAML bytes written. */
  bytes: number;
}

/** A new file: created, never opened where something is already (a symlink included, even dangling). */
const NEW_FILE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL;
/** A file already there: opened as it is (truncated once checked), never through a symlink. */
const OLD_FILE = constants.O_WRONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/**
 * Writes `data` to the file at `path` (`shown` in errors), created with mode 0o666 less the umask:
 * open, write (again for what a short write left) and close on the pool, by callbacks. fs/promises'
 * writeFile does the same for twice the main thread's CPU a file (a FileHandle object and its
 * close-on-collect bookkeeping; 20,000 files of 2 KB into /dev/shm, 16 at once: 0.53 CPU-s
 * against 0.21–0.25, restore-read-micro.mjs in docs/benchmarks.md, "Session 2026-12-05: f2dl2"),
 * and the main thread bounds a download. A file already there is replaced only when it is a
 * regular file with no other name: a symlink or a hard link planted in the target directory
 * (UnsafePathError) would have the write land outside it, and a FIFO would hold it. The file is
 * closed whatever fails.
 */
function writeFileBelow(path: string, shown: string, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const writeAll = (fd: number) => {
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
      return { done, rest };
    };
    open(path, NEW_FILE, 0o666, (creating, fd) => {
      if (!creating) return writeAll(fd).rest(0);
      if (creating.code !== "EEXIST") return reject(creating);
      open(path, OLD_FILE, (opening, old) => {
        if (opening)
          return reject(
            opening.code === "ELOOP" ? new UnsafePathError(shown, "a symlink in the target directory") : opening,
          );
        const { done, rest } = writeAll(old);
        fstat(old, (statting, stat) => {
          if (statting) return done(statting);
          if (!stat.isFile()) return done(new UnsafePathError(shown, "not a regular file in the target directory"));
          if (stat.nlink > 1)
            return done(new UnsafePathError(shown, "a hard link in the target directory (the file has other names)"));
          ftruncate(old, 0, (truncating) => (truncating ? done(truncating) : rest(0)));
        });
      });
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
 * breaks the path rule (safe-path.ts), and a directory or file below `toDir` that is a symlink,
 * and a file there that is a hard link or not a regular file (UnsafePathError): nothing is written
 * outside `toDir`. The objects' paths come from
 * readSnapshotObjects, which refuses links in the archive, so no link is ever created. On an error
 * no further object is read or written, and the writes already started end before it is thrown.
 */
export async function writeTree(
  objects: AsyncIterable<PathAndData>,
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
  const write = async ({ path: unchecked, data }: PathAndData) => {
    const path = checkArchivePath(unchecked); // so below root: no `..`, not absolute
    await makeDirs(root, dirname(path), dirs);
    await writeFileBelow(join(root, path), path, data);
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
