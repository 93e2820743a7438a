import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { generateCrdFiles } from "./crds.js";

/** Writes deploy/crds (or the directory given as the first argument) from the zod schemas. */
function main(): void {
  const dir = resolve(process.argv[2] ?? fileURLToPath(new URL("../../../deploy/crds/", import.meta.url)));
  mkdirSync(dir, { recursive: true });
  for (const file of generateCrdFiles()) {
    writeFileSync(join(dir, file.fileName), file.text);
    process.stdout.write(`wrote ${join(dir, file.fileName)}\n`);
  }
}

main();
