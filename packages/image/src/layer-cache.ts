// Layers kept between builds, each under a key made of everything it is built from, so a build
// redoes only the layers whose inputs changed. Every file is written under a temporary name and
// renamed into place, so builds running at once never see half a layer.
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type LayerBlob, normaliseModes, writeLayer } from "./layer.js";

export interface CachedLayer extends LayerBlob {
  createdBy: string;
  /** What populating the layer returned (kept with it, e.g. the SBOM of its packages). */
  extra: string;
}

/** sha256 of the parts, each of strings and file contents, in order. */
export function keyOf(parts: (string | { file: string })[]): string {
  const h = createHash("sha256");
  for (const p of parts) {
    h.update(typeof p === "string" ? `s:${p}` : `f:${p.file}`);
    h.update("\0");
    if (typeof p !== "string") h.update(readFileSync(p.file));
  }
  return h.digest("hex");
}

/** The builder's own compiled code: a change to it invalidates every cached layer. */
let builderKey: string | undefined;
function builder(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  builderKey ??= keyOf(
    readdirSync(here)
      .filter((f) => f.endsWith(".js"))
      .sort()
      .map((f) => ({ file: join(here, f) })),
  );
  return builderKey;
}

export interface LayerRecipe {
  /** Part of the file names, for people reading the cache. */
  name: string;
  /** Everything the layer is made of. */
  inputs: (string | { file: string })[];
  createdBy: string;
  /** Fills the empty directory with the layer's files at their image paths. */
  populate: (dir: string) => Promise<string | undefined>;
  /** Modes kept instead of the normalised ones (e.g. tmp: 0o1777). */
  specialModes?: Record<string, number>;
}

/** The cached layer for the recipe's inputs, built first when there is none. */
export async function cachedLayer(cacheDir: string, recipe: LayerRecipe): Promise<CachedLayer & { cached: boolean }> {
  const key = keyOf([builder(), recipe.name, recipe.createdBy, ...recipe.inputs]);
  const layers = join(cacheDir, "layers");
  const meta = join(layers, `${recipe.name}-${key}.json`);
  if (existsSync(meta)) {
    const layer = JSON.parse(readFileSync(meta, "utf8")) as CachedLayer;
    if (existsSync(layer.path)) {
      const now = new Date();
      utimesSync(meta, now, now); // last used, for pruneLayers
      return { ...layer, cached: true };
    }
  }
  mkdirSync(join(cacheDir, "work"), { recursive: true });
  mkdirSync(layers, { recursive: true });
  const work = mkdtempSync(join(cacheDir, "work", `${recipe.name}-`));
  try {
    const dir = join(work, "root");
    mkdirSync(dir);
    const extra = (await recipe.populate(dir)) ?? "";
    normaliseModes(dir, recipe.specialModes);
    const blob = await writeLayer(dir, join(layers, `${recipe.name}-${key}.tar.gz`));
    const layer: CachedLayer = { ...blob, createdBy: recipe.createdBy, extra };
    writeFileSync(`${meta}.${process.pid}.tmp`, JSON.stringify(layer));
    renameSync(`${meta}.${process.pid}.tmp`, meta);
    return { ...layer, cached: false };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Keeps the `keep` most recently used layers of each recipe name (and platform) and removes the
 * rest, and any blob whose record is missing (a build that failed half-way). Call it holding the build lock.
 */
export function pruneLayers(cacheDir: string, keep = 3): string[] {
  const layers = join(cacheDir, "layers");
  if (!existsSync(layers)) return [];
  const files = readdirSync(layers);
  const records = files
    .filter((f) => f.endsWith(".json"))
    .map((f) => ({ f, name: f.replace(/-[0-9a-f]{64}\.json$/, ""), used: statSync(join(layers, f)).mtimeMs }))
    .sort((a, b) => b.used - a.used);
  const kept = new Set<string>();
  const count = new Map<string, number>();
  for (const r of records) {
    const n = (count.get(r.name) ?? 0) + 1;
    count.set(r.name, n);
    if (n <= keep) kept.add(r.f.replace(/\.json$/, ""));
  }
  const removed = files.filter((f) => !kept.has(f.replace(/\.(json|tar\.gz)$/, "")));
  for (const f of removed) rmSync(join(layers, f), { force: true });
  return removed;
}
