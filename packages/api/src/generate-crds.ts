import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { generateCrdFiles } from "./crds.js";

/** Where the CRDs live: the plain manifests and the Helm chart's crds/ (which Helm installs first). */
const DEFAULT_DIRS = ["../../../deploy/crds/", "../../../deploy/helm/kubedump/crds/"].map((dir) =>
  fileURLToPath(new URL(dir, import.meta.url)),
);

/** Writes deploy/crds and the Helm chart's crds (or the one directory given as the first argument) from the zod schemas. */
function main(): void {
  const dirs = process.argv[2] ? [resolve(process.argv[2])] : DEFAULT_DIRS;
  for (const dir of dirs) {
    mkdirSync(dir, { recursive: true });
    for (const file of generateCrdFiles()) {
      writeFileSync(join(dir, file.fileName), file.text);
      process.stdout.write(`wrote ${join(dir, file.fileName)}\n`);
    }
  }
}

main();
