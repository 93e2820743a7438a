// An OCI archive unpacked as a container runtime unpacks it: index.json → (image index →) the
// manifest of this machine's platform → its config and its layers, each extracted in order onto
// one root filesystem, owners and modes kept.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { MEDIA } from "@kubedump/image";
import type { Obj } from "./harness.js";

const run = promisify(execFile);

export interface UnpackedImage {
  /** Holds the layout and the root filesystem: remove it when done. */
  dir: string;
  rootfs: string;
  /** The image config (its `config` object holds User, Entrypoint, Env, …). */
  config: Obj;
  manifest: Obj;
}

/** Unpacks the archive's image for `arch` (default: this machine's) into a new directory. */
export async function unpackImage(
  archive: string,
  arch = process.arch === "arm64" ? "arm64" : "amd64",
): Promise<UnpackedImage> {
  const dir = mkdtempSync(join(tmpdir(), "kubedump-image-"));
  const layout = join(dir, "layout");
  mkdirSync(layout);
  await run("tar", ["-xf", archive, "-C", layout]);
  const blob = (digest: string) => join(layout, "blobs", "sha256", digest.replace(/^sha256:/, ""));
  const json = (digest: string) => JSON.parse(readFileSync(blob(digest), "utf8")) as Obj;
  let top = (JSON.parse(readFileSync(join(layout, "index.json"), "utf8")) as Obj).manifests[0];
  if (top.mediaType === MEDIA.index)
    top = (json(top.digest).manifests as Obj[]).find((m) => m.platform?.architecture === arch);
  if (top?.mediaType !== MEDIA.manifest) throw new Error(`${archive}: no image manifest for linux/${arch}`);
  const manifest = json(top.digest);
  const config = json(manifest.config.digest);
  const rootfs = join(dir, "rootfs");
  mkdirSync(rootfs, { mode: 0o755 });
  for (const layer of manifest.layers as Obj[]) {
    const { stdout } = await run("tar", ["-tzf", blob(layer.digest)], { maxBuffer: 64 << 20 });
    const whiteout = stdout.split("\n").find((p) => /(^|\/)\.wh\./.test(p));
    if (whiteout)
      throw new Error(`layer ${layer.digest} has a whiteout (${whiteout}), which this unpacker does not apply`);
    // Owners are kept when root unpacks (as a runtime does); anyone else gets the files as theirs.
    const owners = process.getuid?.() === 0 ? ["--numeric-owner", "--same-owner"] : ["--no-same-owner"];
    await run("tar", ["-xzf", blob(layer.digest), "-C", rootfs, ...owners, "--same-permissions"]);
  }
  return { dir, rootfs, config, manifest };
}
