import { mkdir, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { checkArchivePath } from "../safe-path.js";
import type { SnapshotObject } from "./types.js";

export interface DownloadResult {
  objects: number;
  /** YAML bytes written. */
  bytes: number;
}

/** Writes each object to `<toDir>/<path>`; refuses a path that breaks the path rule (safe-path.ts). */
export async function writeTree(objects: AsyncIterable<SnapshotObject>, toDir: string): Promise<DownloadResult> {
  const root = resolve(toDir);
  await mkdir(root, { recursive: true });
  const made = new Set<string>([root]);
  let count = 0;
  let bytes = 0;
  for await (const object of objects) {
    const target = resolve(root, checkArchivePath(object.path)); // so below root: no `..`, not absolute
    const dir = dirname(target);
    if (!made.has(dir)) {
      await mkdir(dir, { recursive: true });
      made.add(dir);
    }
    await writeFile(target, object.data);
    count += 1;
    bytes += object.data.length;
  }
  return { objects: count, bytes };
}
