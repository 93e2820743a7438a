import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

/** Every file's path below `dir`, depth first; none when `dir` does not exist. */
export function filePaths(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filePaths(path) : [path];
  });
}

/** Every file below `dir`, by its path relative to `dir`, with its text. */
export function filesBelow(dir: string): Map<string, string> {
  return new Map(filePaths(dir).map((path) => [relative(dir, path), readFileSync(path, "utf8")]));
}
