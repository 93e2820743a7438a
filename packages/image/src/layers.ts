// The four layers of the image, bottom first, each a cached layer (layer-cache.ts) keyed by what
// it is made of: Debian's packages, the node binary, the production install, the compiled workspace.
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { appLayerInputs, populateAppLayer, populateDependencyLayer, workspaces } from "./app-layers.js";
import { type Control, createApt } from "./apt.js";
import { populateDebianLayer, resolveDebianPackages } from "./debian-layer.js";
import { type CachedLayer, cachedLayer } from "./layer-cache.js";
import { fetchNode, type NodeRelease, populateNodeLayer } from "./node-layer.js";
import { DEBIAN_SUITE, type Platform } from "./spec.js";

const DAY_MS = 24 * 60 * 60 * 1000;

export interface LayerContext {
  /** The repository root. */
  root: string;
  cacheDir: string;
  platform: Platform;
  /** Fetch Debian's package lists even when they are less than a day old. */
  refresh: boolean;
}

type Built = CachedLayer & { cached: boolean };

/** Debian's packages (libraries, CA certificates, time zones), downloaded once per version. */
export async function debianLayer(ctx: LayerContext): Promise<{ layer: Built; packages: Control[] }> {
  const { cacheDir, platform } = ctx;
  const apt = createApt(join(cacheDir, "apt", platform.debArch), platform.debArch);
  await apt.update(ctx.refresh ? 0 : DAY_MS);
  const packages = await resolveDebianPackages(apt);
  const debDir = join(cacheDir, "debs", platform.debArch);
  const full = await apt.download(packages.full, debDir);
  const [osRelease] = (await apt.download([packages.osRelease], debDir)) as [string];
  // Versions no longer current (a security update replaced them) go.
  for (const f of readdirSync(debDir))
    if (![...full, osRelease].includes(join(debDir, f))) rmSync(join(debDir, f), { force: true });
  const layer = await cachedLayer(cacheDir, {
    name: `debian-${platform.debArch}`,
    inputs: [...full, osRelease].map((file) => ({ file })),
    createdBy: `Debian ${DEBIAN_SUITE}: ${packages.full.map((c) => `${c.Package} ${c.Version}`).join(", ")}`,
    populate: async (dir) => {
      const debs = packages.full.map((control, i) => ({ control, path: full[i] as string }));
      await populateDebianLayer(dir, { full: debs, osRelease });
      return undefined;
    },
    specialModes: { tmp: 0o1777 },
  });
  return { layer, packages: packages.full };
}

/** The node binary of the npm registry's release. */
export async function nodeLayer(ctx: LayerContext): Promise<{ layer: Built; release: NodeRelease }> {
  const release = await fetchNode(join(ctx.cacheDir, "node"), ctx.platform);
  const layer = await cachedLayer(ctx.cacheDir, {
    name: `node-${ctx.platform.arch}`,
    inputs: [release.integrity],
    createdBy: `${release.package}@${release.version} (npm registry): bin/node`,
    populate: async (dir) => {
      await populateNodeLayer(dir, release);
      return undefined;
    },
  });
  return { layer, release };
}

/** `npm ci --omit=dev`, rebuilt when the lockfile or a workspace's manifest changes; `extra` is npm's SBOM. */
export function dependencyLayer(ctx: LayerContext): Promise<Built> {
  const manifests = ["package-lock.json", "package.json", ...workspaces(ctx.root).map((w) => `${w}/package.json`)];
  return cachedLayer(ctx.cacheDir, {
    name: `deps-${ctx.platform.arch}`,
    inputs: manifests.map((f) => ({ file: join(ctx.root, f) })),
    createdBy: "npm ci --omit=dev --ignore-scripts",
    populate: (dir) => populateDependencyLayer(dir, ctx.root, ctx.platform),
  });
}

/** The compiled workspace and the image's SBOM. */
export function appLayer(ctx: LayerContext, sbom: string): Promise<Built> {
  return cachedLayer(ctx.cacheDir, {
    name: `app-${ctx.platform.arch}`,
    inputs: [sbom, ...appLayerInputs(ctx.root).map((file) => ({ file }))],
    createdBy: "dist/ and bin/ of the workspaces the services and the CLI run, and the SBOM",
    populate: async (dir) => {
      populateAppLayer(dir, ctx.root, sbom);
      return undefined;
    },
  });
}
