import { constants } from "node:fs";
import { lstat, mkdir, writeFile } from "node:fs/promises";
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
 * Writes each object to `<toDir>/<path>`; refuses a path that breaks the path rule (safe-path.ts),
 * and a directory or file below `toDir` that is a symlink (UnsafePathError): nothing is written
 * outside `toDir`. The objects' paths come from readSnapshotObjects, which refuses links in the
 * archive, so no link is ever created.
 */
export async function writeTree(
  objects: AsyncIterable<SnapshotObject>,
  toDir: string,
  written: (bytes: number) => void = () => {},
): Promise<DownloadResult> {
  const root = resolve(toDir);
  await mkdir(root, { recursive: true });
  const made = new Set<string>();
  let count = 0;
  let bytes = 0;
  for await (const object of objects) {
    const path = checkArchivePath(object.path); // so below root: no `..`, not absolute
    await makeDirs(root, dirname(path), made);
    await writeFile(join(root, path), object.data, { flag: WRITE_FLAGS }).catch((err: NodeJS.ErrnoException) => {
      throw err.code === "ELOOP" ? new UnsafePathError(path, "a symlink in the target directory") : err;
    });
    count += 1;
    bytes += object.data.length;
    written(object.data.length);
  }
  return { objects: count, bytes };
}

/** Creates `dir` (relative, checked) below `root` a segment at a time; each must be a real directory. */
async function makeDirs(root: string, dir: string, made: Set<string>): Promise<void> {
  if (dir === "." || made.has(dir)) return;
  await makeDirs(root, dirname(dir), made);
  const path = join(root, dir);
  await mkdir(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== "EEXIST") throw err;
  });
  if (!(await lstat(path)).isDirectory())
    throw new UnsafePathError(dir, "not a directory in the target directory (a symlink or a file)");
  made.add(dir);
}
