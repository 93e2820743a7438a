// The image's SBOM: npm's CycloneDX document of the production install (`npm sbom`), with the
// Debian packages and the Node.js release added as components and the image as its subject.
import { createHash } from "node:crypto";
import type { Control } from "./apt.js";
import type { NodeRelease } from "./node-layer.js";

type CycloneDx = {
  metadata?: Record<string, unknown>;
  components?: Record<string, unknown>[];
  [k: string]: unknown;
};

export interface ImageSbomInput {
  /** `npm sbom --sbom-format cyclonedx` of the production install. */
  npm: string;
  debs: Control[];
  debArch: string;
  node: NodeRelease;
  image: { name: string; version: string; created: string };
}

/** A Debian package's package URL (purl-spec's deb type). */
export const debPurl = (c: Control, debArch: string) =>
  `pkg:deb/debian/${c.Package}@${encodeURIComponent(c.Version ?? "")}?arch=${c.Architecture === "all" ? "all" : debArch}&distro=debian-12`;

export function imageSbom(input: ImageSbomInput): string {
  const doc = JSON.parse(input.npm) as CycloneDx;
  if (!Array.isArray(doc.components)) throw new Error("npm sbom: the document has no components");
  const node = {
    type: "application",
    "bom-ref": `pkg:npm/${input.node.package}@${input.node.version}`,
    name: input.node.package,
    version: input.node.version,
    purl: `pkg:npm/${input.node.package}@${input.node.version}`,
    hashes: [
      { alg: "SHA-512", content: Buffer.from(input.node.integrity.replace(/^sha512-/, ""), "base64").toString("hex") },
    ],
    licenses: [{ license: { id: "MIT" } }],
  };
  const debs = input.debs.map((c) => ({
    type: "library",
    "bom-ref": debPurl(c, input.debArch),
    name: c.Package,
    version: c.Version,
    purl: debPurl(c, input.debArch),
    ...(c.SHA256 ? { hashes: [{ alg: "SHA-256", content: c.SHA256 }] } : {}),
  }));
  const { image } = input;
  const body = {
    ...doc,
    metadata: {
      ...doc.metadata,
      timestamp: image.created,
      component: {
        type: "container",
        "bom-ref": `${image.name}@${image.version}`,
        name: image.name,
        version: image.version,
      },
    },
    components: [...debs, node, ...doc.components],
  };
  // npm writes a random serial number; one derived from the content keeps the image reproducible.
  const hex = createHash("sha256")
    .update(JSON.stringify({ ...body, serialNumber: "" }))
    .digest("hex");
  const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  return `${JSON.stringify({ ...body, serialNumber: `urn:uuid:${uuid}` }, null, 2)}\n`;
}
