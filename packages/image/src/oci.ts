// The OCI image layout (image-spec v1.1: oci-layout, index.json, blobs/sha256/…) of one image per
// platform, written as an OCI archive: a plain tar of the layout, which `skopeo copy
// oci-archive:<file> docker://<registry>/<repo>:<tag>` pushes (with --all for several platforms).
import { createHash } from "node:crypto";
import { copyFileSync, linkSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { run } from "./exec.js";
import type { LayerBlob } from "./layer.js";
import type { Platform } from "./spec.js";

export const MEDIA = {
  index: "application/vnd.oci.image.index.v1+json",
  manifest: "application/vnd.oci.image.manifest.v1+json",
  config: "application/vnd.oci.image.config.v1+json",
  layer: "application/vnd.oci.image.layer.v1.tar+gzip",
} as const;

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { architecture: string; os: string; variant?: string };
  annotations?: Record<string, string>;
}

/** The runtime part of an image config (the spec's `config` object). */
export interface RuntimeConfig {
  User: string;
  Env: string[];
  Entrypoint: string[];
  Cmd: string[];
  WorkingDir: string;
  Labels: Record<string, string>;
  StopSignal?: string;
}

export interface ImageInput {
  platform: Platform;
  /** RFC 3339 time of the image. */
  created: string;
  config: RuntimeConfig;
  /** Bottom first; `createdBy` is the history entry of each. */
  layers: (LayerBlob & { createdBy: string })[];
}

export interface WrittenImage {
  manifest: Descriptor;
  config: Descriptor;
}

const digestOf = (data: Buffer) => `sha256:${createHash("sha256").update(data).digest("hex")}`;
const blobPath = (layout: string, digest: string) => join(layout, "blobs", "sha256", digest.slice("sha256:".length));

function writeBlob(layout: string, mediaType: string, value: unknown): Descriptor {
  const data = Buffer.from(JSON.stringify(value));
  const digest = digestOf(data);
  writeFileSync(blobPath(layout, digest), data);
  return { mediaType, digest, size: data.length };
}

/** Adds a layer blob to the layout: a hard link to the cached blob where the file system allows one. */
function addLayer(layout: string, layer: LayerBlob): void {
  const to = blobPath(layout, layer.digest);
  try {
    linkSync(layer.path, to);
  } catch {
    copyFileSync(layer.path, to);
  }
}

function writeImage(layout: string, image: ImageInput): WrittenImage {
  const { platform: p } = image;
  const platform = { architecture: p.arch, os: "linux", ...(p.variant ? { variant: p.variant } : {}) };
  const config = writeBlob(layout, MEDIA.config, {
    created: image.created,
    ...platform,
    config: image.config,
    rootfs: { type: "layers", diff_ids: image.layers.map((l) => l.diffId) },
    history: image.layers.map((l) => ({ created: image.created, created_by: l.createdBy })),
  });
  for (const l of image.layers) addLayer(layout, l);
  const manifest = writeBlob(layout, MEDIA.manifest, {
    schemaVersion: 2,
    mediaType: MEDIA.manifest,
    config,
    layers: image.layers.map((l) => ({ mediaType: MEDIA.layer, digest: l.digest, size: l.size })),
    annotations: image.config.Labels,
  });
  return { manifest: { ...manifest, platform }, config };
}

/**
 * Writes the OCI archive `out` holding `images` (one per platform) under the tag `refName`: one
 * image's manifest directly in index.json, several through an image index. Returns the
 * descriptor in index.json and each image's.
 */
export async function writeOciArchive(
  out: string,
  images: ImageInput[],
  refName: string,
  annotations: Record<string, string>,
): Promise<{ top: Descriptor; images: WrittenImage[] }> {
  mkdirSync(dirname(out), { recursive: true });
  const layout = mkdtempSync(join(dirname(out), ".layout-"));
  try {
    mkdirSync(join(layout, "blobs", "sha256"), { recursive: true });
    const written = images.map((i) => writeImage(layout, i));
    const ref = { "org.opencontainers.image.ref.name": refName };
    const top =
      written.length === 1
        ? { ...(written[0] as WrittenImage).manifest, annotations: ref }
        : {
            ...writeBlob(layout, MEDIA.index, {
              schemaVersion: 2,
              mediaType: MEDIA.index,
              manifests: written.map((w) => w.manifest),
              annotations,
            }),
            annotations: ref,
          };
    writeFileSync(join(layout, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
    writeFileSync(
      join(layout, "index.json"),
      JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.index, manifests: [top] }),
    );
    const tmp = `${out}.${process.pid}.tmp`;
    await run("tar", [
      "--create",
      `--file=${tmp}`,
      `--directory=${layout}`,
      "--sort=name",
      "--mtime=@0",
      "--owner=0",
      "--group=0",
      "--numeric-owner",
      "--hard-dereference",
      "oci-layout",
      "index.json",
      "blobs",
    ]);
    renameSync(tmp, out);
    return { top, images: written };
  } finally {
    rmSync(layout, { recursive: true, force: true });
  }
}
