// The workspace in the image: the production install (`npm ci --omit=dev`, every workspace's
// package.json, as the lockfile needs them all) in one layer, and the compiled dist/ (and bin/) of
// the workspaces the services and the CLI need at run time in the layer above.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { run } from "./exec.js";
import { APP_DIR, type Platform, SBOM_PATH } from "./spec.js";

type Manifest = { name: string; bin?: string | Record<string, string>; dependencies?: Record<string, string> };
const readManifest = (file: string) => JSON.parse(readFileSync(file, "utf8")) as Manifest;

/** Every workspace of the repository at `root` ("packages/kube", …), from its workspaces globs. */
export function workspaces(root: string): string[] {
  const globs = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")).workspaces ?? []) as string[];
  return globs
    .flatMap((g) => {
      if (!g.endsWith("/*")) throw new RangeError(`package.json workspaces: only "<dir>/*" globs are read, got ${g}`);
      const parent = g.slice(0, -2);
      return readdirSync(join(root, parent)).map((n) => `${parent}/${n}`);
    })
    .filter((w) => existsSync(join(root, w, "package.json")))
    .sort();
}

/** The workspaces the services and the CLI need at run time: they and their workspace dependencies, transitively. */
export function runtimeWorkspaces(root: string): string[] {
  const all = workspaces(root);
  const byName = new Map(all.map((w) => [readManifest(join(root, w, "package.json")).name, w]));
  const need = new Set(all.filter((w) => w.startsWith("services/") || w === "packages/cli"));
  for (const w of need)
    for (const dep of Object.keys(readManifest(join(root, w, "package.json")).dependencies ?? {})) {
      const ws = byName.get(dep);
      if (ws) need.add(ws);
    }
  return [...need].sort();
}

/** Only JavaScript runs: type declarations, source maps, TypeScript and Markdown (licences aside) are left out. */
const NOT_RUN = /\.(d\.[cm]?ts|map|[cm]?ts|md|markdown)$/i;
const KEEP = /^(licen[cs]e|copying|notice)/i;

function prune(dir: string): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) prune(path);
    else if (e.isFile() && NOT_RUN.test(e.name) && !KEEP.test(e.name)) rmSync(path);
  }
}

/**
 * Installs the production dependencies for `platform` into `dir`/app and returns `npm sbom`'s
 * CycloneDX document of them.
 */
export async function populateDependencyLayer(dir: string, root: string, platform: Platform): Promise<string> {
  const app = join(dir, APP_DIR);
  const manifests = ["package.json", ...workspaces(root).map((w) => `${w}/package.json`)];
  for (const m of [...manifests, "package-lock.json"]) {
    mkdirSync(dirname(join(app, m)), { recursive: true });
    cpSync(join(root, m), join(app, m));
  }
  const npm = (...args: string[]) =>
    run("npm", args, {
      cwd: app,
      env: { ...process.env, npm_config_update_notifier: "false", NODE_ENV: "production" },
    });
  // --ignore-scripts: the one native module (msgpackr-extract, optional) ships prebuilt binaries.
  await npm(
    "ci",
    "--omit=dev",
    "--ignore-scripts",
    "--no-audit",
    "--no-fund",
    "--prefer-offline",
    "--os=linux",
    `--cpu=${platform.npmCpu}`,
    "--libc=glibc",
  );
  // npm sbom checks development dependencies too, and needs a version: both only for the document.
  const originals = manifests.map((m) => [m, readFileSync(join(app, m), "utf8")] as const);
  let sbom: string;
  try {
    for (const [m, text] of originals) {
      const { devDependencies: _, ...kept } = JSON.parse(text);
      if (m === "package.json") Object.assign(kept, { name: "kubedump", version: kept.version ?? "0.0.0" });
      writeFileSync(join(app, m), JSON.stringify(kept));
    }
    sbom = await npm("sbom", "--sbom-format", "cyclonedx", "--omit", "dev");
  } finally {
    for (const [m, text] of originals) writeFileSync(join(app, m), text);
  }
  prune(join(app, "node_modules"));
  return sbom;
}

/** Copies each runtime workspace's dist/ (JavaScript only) and bin/ into `dir`/app, and the SBOM. */
export function populateAppLayer(dir: string, root: string, sbom: string): void {
  for (const w of runtimeWorkspaces(root)) {
    const dist = join(root, w, "dist");
    if (!existsSync(dist)) throw new Error(`${w}/dist does not exist: run npx turbo run build first`);
    cpSync(dist, join(dir, APP_DIR, w, "dist"), {
      recursive: true,
      filter: (src) => statSync(src).isDirectory() || !NOT_RUN.test(src),
    });
    const { bin } = readManifest(join(root, w, "package.json"));
    for (const file of typeof bin === "string" ? [bin] : Object.values(bin ?? {}))
      cpSync(join(root, w, file), join(dir, APP_DIR, w, file));
  }
  writeFileSync(join(dir, SBOM_PATH), sbom);
}

/** The files the app layer is made of (for its cache key). */
export function appLayerInputs(root: string): string[] {
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }))
      if (e.isDirectory()) walk(join(d, e.name));
      else files.push(join(d, e.name));
  };
  for (const w of runtimeWorkspaces(root)) {
    if (existsSync(join(root, w, "dist"))) walk(join(root, w, "dist"));
    const { bin } = readManifest(join(root, w, "package.json"));
    for (const file of typeof bin === "string" ? [bin] : Object.values(bin ?? {})) files.push(join(root, w, file));
  }
  return files.sort();
}
