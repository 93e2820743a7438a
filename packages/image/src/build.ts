// `npm run image`: the kubedump image for each platform, from four cached layers (Debian's
// packages, the node binary, the production install, the compiled workspace and its SBOM), written
// as one OCI archive, without a container engine or root.
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { appLayerInputs, populateAppLayer, populateDependencyLayer, workspaces } from "./app-layers.js";
import { createApt } from "./apt.js";
import { withBuildLock } from "./build-lock.js";
import { populateDebianLayer, resolveDebianPackages } from "./debian-layer.js";
import { run } from "./exec.js";
import { type CachedLayer, cachedLayer, pruneLayers } from "./layer-cache.js";
import { fetchNode, populateNodeLayer } from "./node-layer.js";
import { type Descriptor, type ImageInput, writeOciArchive } from "./oci.js";
import { imageSbom } from "./sbom.js";
import { APP_DIR, CMD, DEBIAN_SUITE, ENTRYPOINT, IMAGE_ENV, type Platform, platformOf, USER_ID } from "./spec.js";

const DAY_MS = 24 * 60 * 60 * 1000;

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
      "Scheduled backups of Kubernetes resource manifests to S3-compatible storage: the watcher, scheduler, dump-worker and metrics-gateway services and the kubedump CLI",
    "org.opencontainers.image.version": version,
    "org.opencontainers.image.created": created,
    ...(revision ? { "org.opencontainers.image.revision": revision } : {}),
    ...(/^https:\/\//.test(source) ? { "org.opencontainers.image.source": source } : {}),
  };
}

/** SOURCE_DATE_EPOCH, else the commit's time: the same commit gives the same image. */
async function createdTime(root: string): Promise<string> {
  const epoch = process.env.SOURCE_DATE_EPOCH;
  if (epoch) return new Date(Number(epoch) * 1000).toISOString().replace(/\.000Z$/, "Z");
  const committed = await run("git", ["-C", root, "log", "-1", "--format=%ct"]).catch(() => "0");
  return new Date(Number(committed.trim() || 0) * 1000).toISOString().replace(/\.000Z$/, "Z");
}

async function buildPlatform(
  opts: Required<Pick<BuildOptions, "root" | "cacheDir">>,
  platform: Platform,
  image: { version: string; created: string; labels: Record<string, string> },
  refresh: boolean,
): Promise<{ input: ImageInput; layers: BuiltPlatform["layers"]; sbom: string }> {
  const { root, cacheDir } = opts;
  const apt = createApt(join(cacheDir, "apt", platform.debArch), platform.debArch);
  await apt.update(refresh ? 0 : DAY_MS);
  const packages = await resolveDebianPackages(apt);
  const debDir = join(cacheDir, "debs", platform.debArch);
  const full = await apt.download(packages.full, debDir);
  const [osRelease] = await apt.download([packages.osRelease], debDir);
  // Versions no longer current (a security update replaced them) go.
  for (const f of readdirSync(debDir))
    if (![...full, osRelease].includes(join(debDir, f))) rmSync(join(debDir, f), { force: true });
  const debian = await cachedLayer(cacheDir, {
    name: `debian-${platform.debArch}`,
    inputs: [...full, osRelease as string].map((file) => ({ file })),
    createdBy: `Debian ${DEBIAN_SUITE}: ${packages.full.map((c) => `${c.Package} ${c.Version}`).join(", ")}`,
    populate: async (dir) => {
      await populateDebianLayer(dir, {
        full: packages.full.map((control, i) => ({ control, path: full[i] as string })),
        osRelease: osRelease as string,
      });
      return undefined;
    },
    specialModes: { tmp: 0o1777 },
  });
  const release = await fetchNode(join(cacheDir, "node"), platform);
  const node = await cachedLayer(cacheDir, {
    name: `node-${platform.arch}`,
    inputs: [release.integrity],
    createdBy: `${release.package}@${release.version} (npm registry): bin/node`,
    populate: async (dir) => {
      await populateNodeLayer(dir, release);
      return undefined;
    },
  });
  const deps = await cachedLayer(cacheDir, {
    name: `deps-${platform.arch}`,
    inputs: ["package-lock.json", ...workspaces(root).map((w) => `${w}/package.json`), "package.json"].map((f) => ({
      file: join(root, f),
    })),
    createdBy: "npm ci --omit=dev --ignore-scripts",
    populate: (dir) => populateDependencyLayer(dir, root, platform),
  });
  const sbom = imageSbom({
    npm: deps.extra,
    debs: packages.full,
    debArch: platform.debArch,
    node: release,
    image: { name: "kubedump", version: image.version, created: image.created },
  });
  const app = await cachedLayer(cacheDir, {
    name: `app-${platform.arch}`,
    inputs: [sbom, ...appLayerInputs(root).map((file) => ({ file }))],
    createdBy: "dist/ and bin/ of the workspaces the services and the CLI run, and the SBOM",
    populate: async (dir) => {
      populateAppLayer(dir, root, sbom);
      return undefined;
    },
  });
  const layers = [debian, node, deps, app];
  return {
    input: {
      platform,
      created: image.created,
      config: {
        User: `${USER_ID}:${USER_ID}`,
        Env: IMAGE_ENV,
        Entrypoint: ENTRYPOINT,
        Cmd: CMD,
        WorkingDir: APP_DIR,
        Labels: image.labels,
        StopSignal: "SIGTERM",
      },
      layers,
    },
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
  const chart = readFileSync(join(options.root, "deploy/helm/kubedump/Chart.yaml"), "utf8");
  const version = options.version ?? /^appVersion:\s*"?([^"\s]+)"?\s*$/m.exec(chart)?.[1];
  if (!version) throw new Error("deploy/helm/kubedump/Chart.yaml: no appVersion");
  if (!/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/.test(version))
    throw new RangeError(`--version: "${version}" is not an image tag ([A-Za-z0-9_][A-Za-z0-9._-]{0,127})`);
  const created = await createdTime(options.root);
  const image = { version, created, labels: await labels(options.root, version, created) };
  const platforms = options.platforms.map(platformOf);
  const suffix = platforms.length === 1 ? `-linux-${platforms[0]?.arch}` : "";
  const out = options.out ?? join(cacheDir, "out", `kubedump-${version}${suffix}.oci.tar`);

  const built = [];
  for (const p of platforms) {
    const b = await buildPlatform({ root: options.root, cacheDir }, p, image, !!options.refreshPackageLists);
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
