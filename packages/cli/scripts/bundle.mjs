// Bundles the built CLI (dist/launch.js and what it imports) into dist/kubedump.js and its chunks,
// with the repository's three worker threads beside them, where the bundled code looks for them
// (new URL("./gzip-worker.js", import.meta.url)). Node's ESM loader spends most of a CLI start
// resolving, reading and linking its files (646 in its whole graph); one bundle loads in about
// half the time (docs/decisions.md, "The CLI is bundled"). The files of the last bundle are
// removed first, so chunks of an older build (their names carry a hash) do not pile up.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const cli = fileURLToPath(new URL("..", import.meta.url));
const dist = `${cli}dist/`;
const LIST = `${dist}bundle-files.json`;
let last = [];
try {
  last = JSON.parse(readFileSync(LIST, "utf8"));
} catch {
  // no bundle yet
}
for (const file of last) if (/^[\w.-]+\.js(\.map)?$/.test(file)) rmSync(`${dist}${file}`, { force: true });

const repository = fileURLToPath(new URL("../../repository/dist/", import.meta.url));
const result = await build({
  entryPoints: {
    kubedump: `${dist}launch.js`,
    "gzip-worker": `${repository}archive/gzip-worker.js`,
    "frame-worker": `${repository}format2/frame-worker.js`,
    "write-worker": `${repository}snapshot/write-worker.js`,
  },
  outdir: dist,
  entryNames: "[name]",
  chunkNames: "chunk-[hash]",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: "linked",
  // exec plugins and auth providers only, imported on first use, as they come (kubeconfig.ts)
  external: ["@kubernetes/client-node"],
  // CommonJS dependencies (minio's xml2js and others) require Node's own modules
  banner: {
    js: 'import { createRequire as kubedumpRequire } from "node:module"; const require = kubedumpRequire(import.meta.url);',
  },
  metafile: true,
  logLevel: "warning",
});
const files = Object.keys(result.metafile.outputs).map((path) => path.slice(path.lastIndexOf("/") + 1));
writeFileSync(LIST, `${JSON.stringify(files.sort(), null, 1)}\n`);
