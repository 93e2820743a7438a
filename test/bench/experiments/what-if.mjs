// What-if runs: the kubedump child against patched copies of the built packages, to measure a
// proposed change before anyone edits packages/*. No loader hooks (they run a second V8 isolate,
// ~45 MiB RSS, which would distort the memory figures): the packages' dist directories are
// copied into a scratch tree whose node_modules links every other dependency back to the
// workspace's, and each patch replaces text in a copied file. A patch whose target text is no
// longer there fails the run, so a stale patch never silently measures nothing.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "../../..");
const read = (name) => readFileSync(join(HERE, name), "utf8");

/** name → [package, file in it, text to find, replacement]. */
export const PATCHES = {
  // (The "yaml", "race" and "gzip1" patches measured here were taken into packages/dump and
  // packages/repository; docs/benchmarks.md has their figures.)
  // packages/kube: no @kubernetes/client-node import for plain certificate/token kubeconfigs.
  kubeconfig: ["kube", "dist/kubeconfig.js", /^[\s\S]*import \{ KubeConfig \} from "@kubernetes\/client-node";[\s\S]*$/, () => read("kubeconfig-lite.mjs")],
};

const PACKAGES = ["api", "kube", "dump", "repository"];

/**
 * Builds `dir` with patched copies of the packages and of the kubedump child; returns the path of
 * the child script to run.
 */
export function prepareWhatIf(patchNames, dir) {
  for (const name of patchNames) if (!PATCHES[name]) throw new Error(`--what-if: unknown patch "${name}" (have: ${Object.keys(PATCHES).join(", ")})`);
  const modules = join(dir, "node_modules");
  mkdirSync(join(modules, "@kubedump"), { recursive: true });
  for (const entry of readdirSync(join(ROOT, "node_modules"))) {
    if (entry === "@kubedump" || entry === ".bin") continue;
    symlinkSync(join(ROOT, "node_modules", entry), join(modules, entry));
  }
  for (const pkg of PACKAGES) {
    const to = join(modules, "@kubedump", pkg);
    mkdirSync(to, { recursive: true });
    cpSync(join(ROOT, "packages", pkg, "package.json"), join(to, "package.json"));
    cpSync(join(ROOT, "packages", pkg, "dist"), join(to, "dist"), { recursive: true });
    if (existsSync(join(ROOT, "packages", pkg, "node_modules"))) symlinkSync(join(ROOT, "packages", pkg, "node_modules"), join(to, "node_modules"));
  }
  for (const name of patchNames) {
    const [pkg, file, find, replace] = PATCHES[name];
    const path = join(modules, "@kubedump", pkg, file);
    const source = readFileSync(path, "utf8");
    const found = typeof find === "string" ? source.includes(find) : find.test(source);
    if (!found) throw new Error(`what-if patch "${name}": its target text is no longer in packages/${pkg}/${file}`);
    writeFileSync(path, source.replace(find, replace));
  }
  for (const f of ["kubedump-child.mjs", "common.mjs"]) cpSync(join(HERE, "..", "lib", f), join(dir, f));
  return join(dir, "kubedump-child.mjs");
}
