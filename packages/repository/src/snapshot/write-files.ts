import { closeSync, constants, fstatSync, ftruncateSync, lstatSync, mkdirSync, openSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { UnsafePathError } from "../errors.js";
import { checkArchivePath } from "../safe-path.js";

/*
 * A download's files, written with blocking calls by the writing thread (write-worker.ts), which
 * does nothing else: on the main thread each file was an open, a write and a close, each a job on
 * libuv's pool and a callback, and the main thread bounds a download (docs/benchmarks.md,
 * "Session 2026-12-06 (eleventh)").
 */

/** A new file: created, never opened where something is already (a symlink included, even dangling). */
const NEW_FILE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL;
/** A file already there: opened as it is (truncated once checked), never through a symlink. */
const OLD_FILE = constants.O_WRONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

function codeOf(err: unknown): unknown {
  return (err as { code?: unknown }).code;
}

/**
 * Writes `data` to the file at `path` (`shown` in errors), created with mode 0o666 less the umask.
 * A file already there is replaced only when it is a regular file with no other name: a symlink or
 * a hard link planted in the target directory (UnsafePathError) would have the write land outside
 * it, and a FIFO would hold it (opened without blocking, it fails with ENXIO). The file is closed
 * whatever fails; the first failure is thrown.
 */
export function writeFileBelow(path: string, shown: string, data: Uint8Array): void {
  let fd: number;
  try {
    fd = openSync(path, NEW_FILE, 0o666);
  } catch (creating) {
    if (codeOf(creating) !== "EEXIST") throw creating;
    try {
      fd = openSync(path, OLD_FILE);
    } catch (opening) {
      if (codeOf(opening) === "ELOOP") throw new UnsafePathError(shown, "a symlink in the target directory");
      throw opening;
    }
    const old = fd;
    closedOnFailure(old, () => {
      const stat = fstatSync(old);
      if (!stat.isFile()) throw new UnsafePathError(shown, "not a regular file in the target directory");
      if (stat.nlink > 1)
        throw new UnsafePathError(shown, "a hard link in the target directory (the file has other names)");
      ftruncateSync(old, 0);
    });
  }
  const open = fd;
  closedOnFailure(open, () => {
    for (let at = 0; at < data.length; ) at += writeSync(open, data, at, data.length - at);
  });
  closeSync(open);
}

/** Runs `step`; if it throws, closes `fd` (a failure to close is not what is thrown) and rethrows. */
function closedOnFailure(fd: number, step: () => void): void {
  try {
    step();
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      // the step's failure is the one to tell
    }
    throw err;
  }
}

/**
 * Writes the files of one download below `root` (which exists): each path checked against the
 * path rule (safe-path.ts), so below root; each directory below root created once, a segment at a
 * time, and refused unless it is a real directory (a symlink or a file planted there would have
 * the files land elsewhere: UnsafePathError).
 */
export class TreeWriter {
  private readonly dirs = new Set<string>();

  constructor(readonly root: string) {}

  write(unchecked: string, data: Uint8Array): void {
    const path = checkArchivePath(unchecked); // so below root: no `..`, not absolute
    this.makeDirs(dirname(path));
    writeFileBelow(join(this.root, path), path, data);
  }

  private makeDirs(dir: string): void {
    if (dir === "." || this.dirs.has(dir)) return;
    this.makeDirs(dirname(dir));
    const path = join(this.root, dir);
    try {
      mkdirSync(path);
    } catch (err) {
      if (codeOf(err) !== "EEXIST") throw err;
    }
    if (!lstatSync(path).isDirectory())
      throw new UnsafePathError(dir, "not a directory in the target directory (a symlink or a file)");
    this.dirs.add(dir);
  }
}
