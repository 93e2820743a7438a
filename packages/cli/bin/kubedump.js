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
  await import(main.href);
} else {
  process.stderr.write(`kubedump: ${fileURLToPath(main)} is missing: run npm run build (in the checkout) first\n`);
  process.exitCode = 1;
}
