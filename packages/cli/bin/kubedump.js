#!/usr/bin/env node
// The `kubedump` bin. npm links a workspace's bin at `npm ci` only when its target exists then, and
// dist/ is built afterwards, so the bin is this committed file, which loads the build when it runs:
// the bundle of the CLI (scripts/bundle.mjs; its entry, src/launch.ts, tunes V8 first).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const bundle = new URL("../dist/kubedump.js", import.meta.url);
if (existsSync(bundle)) await import(bundle.href);
else {
  process.stderr.write(`kubedump: ${fileURLToPath(bundle)} is missing: run npm run build (in the checkout) first\n`);
  process.exitCode = 1;
}
