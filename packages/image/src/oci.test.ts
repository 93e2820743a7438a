import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { type LayerBlob, normaliseModes, writeLayer } from "./layer.js";
import { type ImageInput, MEDIA, writeOciArchive } from "./oci.js";
import { PLATFORMS } from "./spec.js";

const run = promisify(execFile);
const sha256 = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const tmp = () => mkdtempSync(join(tmpdir(), "kubedump-oci-test-"));

/** A two-layer image from small directories, like the real one's (a file, an executable, a link, /tmp). */
async function smallImage(dir: string, arch: "linux/amd64" | "linux/arm64"): Promise<ImageInput> {
  const base = join(dir, "base");
  mkdirSync(join(base, "etc"), { recursive: true });
  mkdirSync(join(base, "tmp"));
  writeFileSync(join(base, "etc/passwd"), "nonroot:x:65532:65532::/nonexistent:/sbin/nologin\n", { mode: 0o666 });
  symlinkSync("passwd", join(base, "etc/passwd-link"));
  normaliseModes(base, { tmp: 0o1777 });
  const app = join(dir, "app");
  mkdirSync(join(app, "app/bin"), { recursive: true });
  writeFileSync(join(app, "app/bin/run.js"), "console.log(1)\n", { mode: 0o777 });
  normaliseModes(app);
  const layers: LayerBlob[] = [
    await writeLayer(base, join(dir, "base.tar.gz")),
    await writeLayer(app, join(dir, "app.tar.gz")),
  ];
  return {
    platform: PLATFORMS[arch]!,
    created: "2026-01-02T03:04:05Z",
    config: {
      User: "65532:65532",
      Env: ["PATH=/usr/bin"],
      Entrypoint: ["/usr/local/bin/node"],
      Cmd: ["/app/bin/run.js"],
      WorkingDir: "/app",
      Labels: { "org.opencontainers.image.title": "small" },
    },
    layers: layers.map((l, i) => ({ ...l, createdBy: `layer ${i}` })),
  };
}

/** The archive's entries as `tar -tv` lists them: mode, owner, size, date, time, name. */
async function listing(archive: string, ...args: string[]): Promise<string[][]> {
  const { stdout } = await run("tar", ["-tvf", archive, "--numeric-owner", ...args]);
  return stdout
    .trim()
    .split("\n")
    .map((l) => l.split(/\s+/));
}

describe("writeLayer and writeOciArchive", () => {
  it("write a layer tar with owner 0:0, mtime 0 and owner-only write, whose digests are those of its bytes", async () => {
    const dir = tmp();
    const image = await smallImage(dir, "linux/amd64");
    const [base] = image.layers;
    const blob = readFileSync(base!.path);
    expect(base!.digest).toBe(sha256(blob));
    expect(base!.size).toBe(blob.length);
    expect(base!.diffId).toBe(sha256(gunzipSync(blob)));
    const entries = await listing(base!.path, "-z");
    expect(entries.map((e) => [e[0], e[1], e[5]])).toEqual([
      ["drwxr-xr-x", "0/0", "etc/"],
      ["-rw-r--r--", "0/0", "etc/passwd"],
      ["lrwxrwxrwx", "0/0", "etc/passwd-link"],
      ["drwxrwxrwt", "0/0", "tmp/"],
    ]);
    for (const e of entries) expect(`${e[3]} ${e[4]}`).toBe("1970-01-01 00:00");
  });

  it("is reproducible: the same directories give the same blobs and the same archive", async () => {
    const [a, b] = [tmp(), tmp()];
    const [one, two] = [await smallImage(a, "linux/amd64"), await smallImage(b, "linux/amd64")];
    expect(two.layers.map((l) => l.digest)).toEqual(one.layers.map((l) => l.digest));
    await writeOciArchive(join(a, "image.tar"), [one], "1.0.0", {});
    await writeOciArchive(join(b, "image.tar"), [two], "1.0.0", {});
    expect(sha256(readFileSync(join(b, "image.tar")))).toBe(sha256(readFileSync(join(a, "image.tar"))));
  });

  it("writes an archive skopeo reads: user, entrypoint, labels, layers and the tag", async () => {
    const dir = tmp();
    const image = await smallImage(dir, "linux/amd64");
    const archive = join(dir, "image.tar");
    const { top } = await writeOciArchive(archive, [image], "1.0.0", {});
    expect(top.mediaType).toBe(MEDIA.manifest);
    const inspect = async (...args: string[]) =>
      JSON.parse((await run("skopeo", ["inspect", ...args, `oci-archive:${archive}`])).stdout);
    const info = await inspect();
    expect(info).toMatchObject({
      Digest: top.digest,
      Architecture: "amd64",
      Os: "linux",
      Labels: { "org.opencontainers.image.title": "small" },
      Layers: image.layers.map((l) => l.digest),
    });
    const config = await inspect("--config");
    expect(config.config).toMatchObject({ User: "65532:65532", Entrypoint: ["/usr/local/bin/node"] });
    expect(config.rootfs.diff_ids).toEqual(image.layers.map((l) => l.diffId));
    expect(await inspect("--raw")).toMatchObject({
      mediaType: MEDIA.manifest,
      config: { mediaType: MEDIA.config },
    });
  });

  it("puts several platforms behind one image index, and skopeo picks each one's manifest", async () => {
    const dir = tmp();
    const images = [await smallImage(join(dir, "a"), "linux/amd64"), await smallImage(join(dir, "b"), "linux/arm64")];
    const archive = join(dir, "multi.tar");
    const written = await writeOciArchive(archive, images, "1.0.0", { "org.opencontainers.image.title": "small" });
    expect(written.top.mediaType).toBe(MEDIA.index);
    const raw = JSON.parse((await run("skopeo", ["inspect", "--raw", `oci-archive:${archive}`])).stdout);
    expect(raw.manifests.map((m: { platform: object }) => m.platform)).toEqual([
      { architecture: "amd64", os: "linux" },
      { architecture: "arm64", os: "linux", variant: "v8" },
    ]);
    for (const [arch, i] of [
      ["amd64", 0],
      ["arm64", 1],
    ] as const) {
      const { stdout } = await run("skopeo", ["inspect", "--override-arch", arch, `oci-archive:${archive}`]);
      expect(JSON.parse(stdout)).toMatchObject({ Digest: written.top.digest, Architecture: arch });
      const config = await run("skopeo", [
        "inspect",
        "--config",
        "--raw",
        "--override-arch",
        arch,
        `oci-archive:${archive}`,
      ]);
      expect(sha256(Buffer.from(config.stdout))).toBe(written.images[i]!.config.digest);
    }
  });
});
