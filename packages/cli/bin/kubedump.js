#!/usr/bin/env node
// The `kubedump` bin. npm links a workspace's bin at `npm ci` only when its target exists then, and
// dist/ is built afterwards, so the bin is this committed file, which loads the build when it runs.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const main = new URL("../dist/main.js", import.meta.url);
if (existsSync(main)) {
  // V8's JIT settings go in before any of kubedump's code runs: changed while a function is being
  // optimized on V8's background thread, they can fail one of its checks and kill the process.
  const { tuneV8ForDumps } = await import("@kubedump/dump/v8-tuning");
  tuneV8ForDumps();
  // A restore holds the snapshot's index while it writes: a smaller heap growth step keeps its
  // peak RSS down (docs/benchmarks.md, restore).
  if (process.argv.slice(2).find((a) => !a.startsWith("-")) === "restore") {
    const { tuneV8ForRestores } = await import("@kubedump/restore/v8-tuning");
    tuneV8ForRestores();
  }
  await import(main.href);
} else {
  process.stderr.write(`kubedump: ${fileURLToPath(main)} is missing: run npm run build (in the checkout) first\n`);
  process.exitCode = 1;
}
