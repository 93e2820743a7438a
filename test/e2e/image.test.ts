import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { type BuildResult, NODE_VERSION, SBOM_PATH } from "@kubedump/image";
import { load } from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Obj } from "./harness.js";
import { render } from "./helm-chart.js";
import { ROOT, removeTestImage, testImage } from "./image-fixture.js";
import type { UnpackedImage } from "./image-unpack.js";

// What `npm run image` builds, checked from the outside: with skopeo, the OCI archive's config;
// unpacked, its files. Running it is image-runc.test.ts.
const run = promisify(execFile);
let build: BuildResult;
let image: UnpackedImage;
const values = load(readFileSync(join(ROOT, "deploy/helm/kubedump/values.yaml"), "utf8")) as Obj;
const appVersion = /^appVersion:\s*"?([^"\s]+)/m.exec(
  readFileSync(join(ROOT, "deploy/helm/kubedump/Chart.yaml"), "utf8"),
)?.[1];

beforeAll(async () => {
  ({ build, image } = await testImage());
}, 600_000);
afterAll(removeTestImage);

const skopeo = async (...args: string[]) =>
  JSON.parse((await run("skopeo", ["inspect", ...args, `oci-archive:${build.archive}`])).stdout) as Obj;

/** Whether a mode string (drwxr-xr-x) allows more than owner-only write: group or other write, setuid, setgid, sticky. */
const tooOpen = (mode: string) =>
  mode[5] === "w" || mode[8] === "w" || /[sS]/.test(`${mode[3]}${mode[6]}`) || /[tT]/.test(mode[9] ?? "");

/** Every entry of every layer as its tar header says (whoever unpacked it): mode string, owner, path. */
async function layerEntries(): Promise<{ mode: string; owner: string; path: string }[]> {
  const out = [];
  for (const layer of image.manifest.layers as Obj[]) {
    const blob = join(image.dir, "layout", "blobs", "sha256", layer.digest.replace(/^sha256:/, ""));
    const { stdout } = await run("tar", ["-tvzf", blob, "--numeric-owner"], { maxBuffer: 64 << 20 });
    for (const line of stdout.trim().split("\n")) {
      const [mode, owner, , , , ...rest] = line.split(/\s+/);
      out.push({ mode: mode as string, owner: owner as string, path: rest.join(" ").replace(/ -> .*$/, "") });
    }
  }
  return out;
}

describe("the image npm run image builds", () => {
  it("is an OCI archive skopeo reads: the chart's non-root user, node as the entrypoint, OCI labels", async () => {
    const config = (await skopeo("--config")).config as Obj;
    expect(config.User).toMatch(/^\d+:\d+$/);
    const [uid, gid] = (config.User as string).split(":").map(Number);
    expect(uid).toBeGreaterThan(0);
    expect({ runAsUser: uid, runAsGroup: gid, fsGroup: gid }).toEqual({
      runAsUser: values.podSecurityContext.runAsUser,
      runAsGroup: values.podSecurityContext.runAsGroup,
      fsGroup: values.podSecurityContext.fsGroup,
    });
    expect(config.Entrypoint).toEqual(["/usr/local/bin/node"]);
    expect(config.WorkingDir).toBe("/app");
    const info = await skopeo();
    expect(info.Digest).toBe(build.top.digest);
    expect(info.Labels).toMatchObject({
      "org.opencontainers.image.title": "kubedump",
      "org.opencontainers.image.version": appVersion,
      "org.opencontainers.image.revision": expect.stringMatching(/^[0-9a-f]{40}$/),
      "org.opencontainers.image.created": info.Created,
    });
    // The tag in the archive is the chart's default image tag (its appVersion).
    expect(build.refName).toBe(appVersion);
  });

  it("copies with skopeo, which checks every blob against its digest, as a push to a registry would", async () => {
    const dest = join(image.dir, "copy");
    await run("skopeo", ["copy", "--quiet", `oci-archive:${build.archive}`, `oci:${dest}:${build.refName}`]);
    const index = JSON.parse(readFileSync(join(dest, "index.json"), "utf8")) as Obj;
    expect(index.manifests).toEqual([expect.objectContaining({ digest: build.top.digest })]);
  });

  it("is under 200 MB unpacked, and the README states its sizes", () => {
    const layers = build.platforms[0]!.layers;
    const [compressed, unpacked] = [layers.reduce((n, l) => n + l.size, 0), layers.reduce((n, l) => n + l.tarSize, 0)];
    expect(unpacked).toBeLessThan(200e6);
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const stated = /about (\d+) MB compressed and (\d+) MB unpacked/.exec(readme);
    expect(stated, "README: 'about N MB compressed and M MB unpacked'").not.toBeNull();
    expect(Number(stated![1])).toBeCloseTo(compressed / 1e6, -1);
    expect(Number(stated![2])).toBeCloseTo(unpacked / 1e6, -1);
  });

  it("has no shell, and every file is root's and writable by no one else (/tmp aside)", async () => {
    const entries = await layerEntries();
    expect(entries.length).toBeGreaterThan(1000);
    for (const sh of ["bin/sh", "bin/bash", "bin/dash", "usr/bin/sh", "usr/bin/env"])
      expect(existsSync(join(image.rootfs, sh)), sh).toBe(false);
    const problems = entries
      .filter((e) => e.owner !== "0/0" || (!e.mode.startsWith("l") && e.path !== "tmp/" && tooOpen(e.mode)))
      .map((e) => `${e.mode} ${e.owner} ${e.path}`);
    expect(problems).toEqual([]);
    expect(entries.find((e) => e.path === "tmp/")?.mode).toBe("drwxrwxrwt");
    expect(readFileSync(join(image.rootfs, "etc/passwd"), "utf8")).toMatch(/^nonroot:x:65532:65532:/m);
  });

  it("holds the main.js every Deployment of the chart runs, and neither the test environment nor the builder", async () => {
    const deployments = (await render(["--set", "console.enabled=true"])).filter((o) => o.kind === "Deployment");
    expect(deployments).toHaveLength(5);
    for (const d of deployments) {
      const [main] = d.spec.template.spec.containers[0].args as string[];
      expect(existsSync(join(image.rootfs, main!)), main).toBe(true);
    }
    expect(existsSync(join(image.rootfs, "app/packages/cli/bin/kubedump.js"))).toBe(true);
    for (const absent of ["app/packages/testenv/dist", "app/packages/image/dist", "app/node_modules/vitest"])
      expect(existsSync(join(image.rootfs, absent)), absent).toBe(false);
    expect(existsSync(join(image.rootfs, "etc/ssl/certs/ca-certificates.crt"))).toBe(true);
    expect(existsSync(join(image.rootfs, "usr/share/zoneinfo/Europe/Berlin"))).toBe(true);
  });

  it("carries a CycloneDX SBOM of its Debian packages, Node.js and production dependencies, inside and beside the archive", () => {
    const inside = readFileSync(join(image.rootfs, SBOM_PATH), "utf8");
    expect(readFileSync(build.platforms[0]!.sbom, "utf8")).toBe(inside);
    const sbom = JSON.parse(inside) as Obj;
    expect(sbom).toMatchObject({
      bomFormat: "CycloneDX",
      metadata: { component: { type: "container", name: "kubedump" } },
    });
    const purls = (sbom.components as Obj[]).map((c) => c.purl as string);
    expect(purls).toContainEqual(expect.stringMatching(/^pkg:deb\/debian\/libc6@/));
    expect(purls).toContainEqual(expect.stringMatching(`^pkg:npm/node-linux-(x64|arm64)@${NODE_VERSION}$`));
    expect(purls).toContainEqual(expect.stringMatching(/^pkg:npm\/bullmq@/));
    const dev = purls.filter((p) => /^pkg:npm\/(vitest|typescript|turbo|%40biomejs)/.test(p));
    expect(dev).toEqual([]);
    const status = readdirSync(join(image.rootfs, "var/lib/dpkg/status.d"));
    for (const deb of purls.filter((p) => p.startsWith("pkg:deb/")))
      expect(status, deb).toContain(/^pkg:deb\/debian\/([^@]+)@/.exec(deb)![1]);
  });
});
