#!/usr/bin/env node
// Fills in the krew manifest template (kubedump.yaml) for one release:
//   node deploy/krew/render-manifest.mjs <version> <archive file> <archive URL> > kubectl-kubedump.yaml
// The sha256 is computed from the archive file, so the manifest always matches what is uploaded.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

const SEMVER = /^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/** The manifest text for `version`, an archive's bytes and its download URL. */
export function renderManifest(template, version, archive, uri) {
  if (!SEMVER.test(version)) throw new Error(`version "${version}": a v-prefixed semver such as v0.1.0`);
  if (!/^https:\/\/\S+$/.test(uri)) throw new Error(`URL "${uri}": an https:// URL`);
  const sha256 = createHash("sha256").update(archive).digest("hex");
  const values = { VERSION: version, URI: uri, SHA256: sha256 };
  return template.replace(/\{\{(VERSION|URI|SHA256)\}\}/g, (_, key) => values[key]);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [version, archivePath, uri] = process.argv.slice(2);
  if (!version || !archivePath || !uri) {
    process.stderr.write("usage: render-manifest.mjs <version> <archive file> <archive URL>\n");
    process.exit(2);
  }
  const template = readFileSync(new URL("kubedump.yaml", import.meta.url), "utf8");
  process.stdout.write(renderManifest(template, version, readFileSync(archivePath), uri));
}
