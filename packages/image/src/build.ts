// `npm run image`: the kubedump image for each platform, from four cached layers (Debian's
// packages, the node binary, the production install, the compiled workspace and its SBOM), written
// as one OCI archive, without a container engine or root.
import { readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { withBuildLock } from "./build-lock.js";
import { run } from "./exec.js";
import { type CachedLayer, pruneLayers } from "./layer-cache.js";
import { appLayer, debianLayer, dependencyLayer, type LayerContext, nodeLayer } from "./layers.js";
import { type Descriptor, type ImageInput, writeOciArchive } from "./oci.js";
import { imageSbom } from "./sbom.js";
import { APP_DIR, CMD, ENTRYPOINT, IMAGE_ENV, platformOf, USER_ID } from "./spec.js";

export interface BuildOptions {
  /** The repository root: its package.json, lockfile, workspaces and their built dist/. */
  root: string;
  /** "linux/amd64", "linux/arm64"; several give one archive with an image index. */
  platforms: string[];
  /**
   * The version label and the tag in the archive.
   * @defaultValue the chart's appVersion (deploy/helm/kubedump/Chart.yaml), the chart's default image tag
   */
  version?: string;
  /** @defaultValue $KUBEDUMP_IMAGE_CACHE or ~/.cache/kubedump-image */
  cacheDir?: string;
  /** @defaultValue <cacheDir>/out/kubedump-<version>[-<os>-<arch>].oci.tar */
  out?: string;
  /** Fetch Debian's package lists even when those cached are less than a day old. */
  refreshPackageLists?: boolean;
  log?: (line: string) => void;
}

export interface BuiltPlatform {
  platform: string;
  manifest: Descriptor;
  config: Descriptor;
  layers: (Omit<CachedLayer, "extra" | "path"> & { cached: boolean })[];
  /** The CycloneDX SBOM written beside the archive (also in the image at SBOM_PATH). */
  sbom: string;
}

export interface BuildResult {
  archive: string;
  /** The tag in the archive (the chart's appVersion). */
  refName: string;
  top: Descriptor;
  platforms: BuiltPlatform[];
}

export const defaultCacheDir = () => process.env.KUBEDUMP_IMAGE_CACHE || join(homedir(), ".cache", "kubedump-image");

/** The OCI labels (also the manifests' annotations): what, which version, from which commit. */
async function labels(root: string, version: string, created: string): Promise<Record<string, string>> {
  const git = (...args: string[]) =>
    run("git", ["-C", root, ...args]).then(
      (s) => s.trim(),
      () => "",
    );
  const revision = process.env.GITHUB_SHA || (await git("rev-parse", "HEAD"));
  const source =
    process.env.GITHUB_SERVER_URL && process.env.GITHUB_REPOSITORY
      ? `${process.env.GITHUB_SERVER_URL}/${process.env.GITHUB_REPOSITORY}`
      : (await git("remote", "get-url", "origin")).replace(/^git@([^:]+):/, "https://$1/").replace(/\.git$/, "");
  return {
    "org.opencontainers.image.title": "kubedump",
    "org.opencontainers.image.description":
      "Scheduled backups of Kubernetes resource manifests to S3-compatible storage: the watcher, scheduler, dump-worker, metrics-gateway and console services and the kubedump CLI",
    "org.opencontainers.image.version": version,
    "org.opencontainers.image.created": created,
    ...(revision ? { "org.opencontainers.image.revision": revision } : {}),
    ...(/^https:\/\//.test(source) ? { "org.opencontainers.image.source": source } : {}),
  };
}

/** --version, else the chart's appVersion (its default image tag); either must be a valid tag. */
function imageVersion(options: BuildOptions): string {
  const chart = readFileSync(join(options.root, "deploy/helm/kubedump/Chart.yaml"), "utf8");
  const version = options.version ?? /^appVersion:\s*"?([^"\s]+)"?\s*$/m.exec(chart)?.[1];
  if (!version) throw new Error("deploy/helm/kubedump/Chart.yaml: no appVersion");
  if (!/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/.test(version))
    throw new RangeError(`--version: "${version}" is not an image tag ([A-Za-z0-9_][A-Za-z0-9._-]{0,127})`);
  return version;
}

/** SOURCE_DATE_EPOCH, else the commit's time: the same commit gives the same image. */
async function createdTime(root: string): Promise<string> {
  const epoch = process.env.SOURCE_DATE_EPOCH;
  if (epoch) return new Date(Number(epoch) * 1000).toISOString().replace(/\.000Z$/, "Z");
  const committed = await run("git", ["-C", root, "log", "-1", "--format=%ct"]).catch(() => "0");
  return new Date(Number(committed.trim() || 0) * 1000).toISOString().replace(/\.000Z$/, "Z");
}

async function buildPlatform(
  ctx: LayerContext,
  image: { version: string; created: string; labels: Record<string, string> },
): Promise<{ input: ImageInput; layers: BuiltPlatform["layers"]; sbom: string }> {
  const debian = await debianLayer(ctx);
  const node = await nodeLayer(ctx);
  const deps = await dependencyLayer(ctx);
  const sbom = imageSbom({
    npm: deps.extra,
    debs: debian.packages,
    debArch: ctx.platform.debArch,
    node: node.release,
    image: { name: "kubedump", version: image.version, created: image.created },
  });
  const layers = [debian.layer, node.layer, deps, await appLayer(ctx, sbom)];
  const config = {
    User: `${USER_ID}:${USER_ID}`,
    Env: IMAGE_ENV,
    Entrypoint: ENTRYPOINT,
    Cmd: CMD,
    WorkingDir: APP_DIR,
    Labels: image.labels,
    StopSignal: "SIGTERM",
  };
  return {
    input: { platform: ctx.platform, created: image.created, config, layers },
    layers: layers.map(({ extra: _, path: __, ...l }) => l),
    sbom,
  };
}

/** Builds the image for every platform into one OCI archive, reusing cached layers. */
export async function buildImage(options: BuildOptions): Promise<BuildResult> {
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  return withBuildLock(cacheDir, () => build(options, cacheDir));
}

async function build(options: BuildOptions, cacheDir: string): Promise<BuildResult> {
  const log = options.log ?? (() => {});
  const version = imageVersion(options);
  const created = await createdTime(options.root);
  const image = { version, created, labels: await labels(options.root, version, created) };
  const platforms = options.platforms.map(platformOf);
  const suffix = platforms.length === 1 ? `-linux-${platforms[0]?.arch}` : "";
  const out = options.out ?? join(cacheDir, "out", `kubedump-${version}${suffix}.oci.tar`);

  const built = [];
  for (const p of platforms) {
    const ctx = { root: options.root, cacheDir, platform: p, refresh: !!options.refreshPackageLists };
    const b = await buildPlatform(ctx, image);
    for (const l of b.layers)
      log(
        `linux/${p.arch} ${l.cached ? "cached" : "built "} ${(l.size / 1e6).toFixed(1)} MB  ${l.createdBy.slice(0, 90)}`,
      );
    built.push({ ...b, name: `linux/${p.arch}` });
  }
  const written = await writeOciArchive(
    out,
    built.map((b) => b.input),
    version,
    image.labels,
  );
  pruneLayers(cacheDir);
  const base = out.replace(/\.oci\.tar$|\.tar$/, "");
  return {
    archive: out,
    refName: version,
    top: written.top,
    platforms: built.map((b, i) => {
      const sbom = `${base}${platforms.length === 1 ? "" : `-linux-${b.input.platform.arch}`}.sbom.cdx.json`;
      writeFileSync(sbom, b.sbom);
      const w = written.images[i] as { manifest: Descriptor; config: Descriptor };
      return { platform: b.name, manifest: w.manifest, config: w.config, layers: b.layers, sbom };
    }),
  };
}
