import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { load } from "js-yaml";
import { describe, expect, it } from "vitest";
import { CHART, helm, ROOT, render, serviceOf } from "./helm-chart.js";
import type { Obj } from "./harness.js";

// Template tests of the chart's extension points, images and metadata, and of the kubedump objects
// it makes from values. (Monitoring, NetworkPolicies and KEDA: helm-monitoring.test.ts.)
const VALUE_KEYS = {
  watcher: "watcher",
  scheduler: "scheduler",
  "dump-worker": "dumpWorker",
  "metrics-gateway": "metricsGateway",
} as const;
const DIGEST = (c: string) => `sha256:${c.repeat(64)}`;
/** Every container and init container of every Pod template the chart renders (hook Job included). */
const containers = (objs: Obj[]) =>
  objs
    .filter((o) => ["Deployment", "StatefulSet", "Job"].includes(o.kind))
    .flatMap((o) =>
      [...(o.spec.template.spec.initContainers ?? []), ...o.spec.template.spec.containers].map(
        (c: Obj): Obj => ({
          owner: `${o.kind} ${o.metadata.name}`,
          component: o.metadata.labels["app.kubernetes.io/component"] as string,
          ...c,
        }),
      ),
    );

describe("the chart's extension points", () => {
  it.each(Object.entries(VALUE_KEYS))(
    "adds volumes, mounts, envFrom and init containers to the %s",
    async (service, key) => {
      const extensions = {
        extraVolumes: [{ name: "local-repo", persistentVolumeClaim: { claimName: "backups" } }],
        extraVolumeMounts: [{ name: "local-repo", mountPath: "/backups" }],
        envFrom: [{ secretRef: { name: "proxy-env" } }],
        initContainers: [{ name: "prepare", image: "{{ .Values.image.repository }}:init", args: ["-e", "1"] }],
      };
      const objs = await render(["--set-json", `${key}=${JSON.stringify(extensions)}`]);
      const pod = objs.find((o) => o.kind === "Deployment" && serviceOf(o) === service)!.spec.template.spec;
      expect(pod.volumes).toContainEqual({ name: "local-repo", persistentVolumeClaim: { claimName: "backups" } });
      expect(pod.volumes.map((v: Obj) => v.name)).toContain("tmp");
      expect(pod.containers[0].volumeMounts).toContainEqual({ name: "local-repo", mountPath: "/backups" });
      expect(pod.containers[0].envFrom).toEqual([{ secretRef: { name: "proxy-env" } }]);
      expect(pod.initContainers).toEqual([
        { name: "prepare", image: "ghcr.io/kubedump/kubedump:init", args: ["-e", "1"] },
      ]);
      // Only that service got them.
      for (const other of objs.filter((o) => o.kind === "Deployment" && serviceOf(o) !== service)) {
        expect(other.spec.template.spec.initContainers, serviceOf(other)).toBeUndefined();
        expect(other.spec.template.spec.containers[0].envFrom, serviceOf(other)).toBeUndefined();
      }
    },
  );

  it("releases extraObjects, objects and YAML strings, rendered through tpl", async () => {
    const objs = await render([
      "--set-json",
      'extraObjects=[{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"{{ .Release.Name }}-ca"},"data":{"q":"{{ .Values.queuePrefix }}"}},"apiVersion: v1\\nkind: Secret\\nmetadata: {name: {{ include \\"kubedump.fullname\\" . }}-extra}"]',
    ]);
    expect(objs.find((o) => o.kind === "ConfigMap" && o.metadata.name === "kd-ca")?.data).toEqual({ q: "kubedump" });
    expect(objs.filter((o) => o.kind === "Secret").map((o) => o.metadata.name)).toContain("kd-kubedump-extra");
  });
});

describe("the chart's images", () => {
  it.each([
    ["a registry host", "ghcr.io/kubedump/kubedump", "mirror.example.com/kubedump/kubedump"],
    ["a registry with a port", "localhost:5000/kubedump", "mirror.example.com/kubedump"],
    ["localhost", "localhost/team/kubedump", "mirror.example.com/team/kubedump"],
    ["no registry (Docker Hub)", "kubedump/kubedump", "mirror.example.com/kubedump/kubedump"],
  ])("global.imageRegistry replaces %s", async (_name, repository, expected) => {
    const objs = await render(["--set", `global.imageRegistry=mirror.example.com,image.repository=${repository}`]);
    const images = containers(objs).map((c) => c.image as string);
    expect(images.length).toBeGreaterThanOrEqual(6);
    for (const c of containers(objs))
      expect(c.image, c.owner).toBe(
        c.component === "redis" ? "mirror.example.com/library/redis:7.4.2-alpine" : `${expected}:0.1.0`,
      );
  });

  it("pins every image by digest when digests are given, Redis and the CRD upgrade Job included", async () => {
    const objs = await render(["--set", `image.digest=${DIGEST("a")},redis.bundled.image.digest=${DIGEST("b")}`]);
    const all = containers(objs);
    expect(new Set(all.map((c) => c.component))).toEqual(
      new Set(["watcher", "scheduler", "dump-worker", "metrics-gateway", "redis", "upgrade-crds"]),
    );
    for (const c of all)
      expect(c.image, c.owner).toBe(
        c.component === "redis" ? `docker.io/library/redis@${DIGEST("b")}` : `ghcr.io/kubedump/kubedump@${DIGEST("a")}`,
      );
  });
});

describe("Chart.yaml", () => {
  const chart = load(readFileSync(join(CHART, "Chart.yaml"), "utf8")) as Obj;
  const annotation = (name: string) => load(chart.annotations[`artifacthub.io/${name}`]) as Obj[];
  /** A URL of this repository's main branch → the path in the checkout. */
  const inRepo = (url: string) =>
    /^https:\/\/(?:github\.com\/kubedump\/kubedump\/blob|raw\.githubusercontent\.com\/kubedump\/kubedump)\/main\/(.+)$/.exec(
      url,
    )?.[1];

  it("has the metadata Artifact Hub shows: home, sources, icon, maintainers, links to files that exist", () => {
    expect(chart.home).toBe("https://github.com/kubedump/kubedump");
    expect(chart.sources).toContain(chart.home);
    expect(chart.maintainers.length).toBeGreaterThan(0);
    for (const m of chart.maintainers) expect(m.name).toBeTruthy();
    const links = [chart.icon, ...annotation("links").map((l) => l.url)];
    for (const url of links) {
      const path = inRepo(url);
      expect(path, url).toBeTruthy();
      expect(existsSync(join(ROOT, path!)), url).toBe(true);
    }
    expect(chart.annotations["artifacthub.io/category"]).toBe("storage");
  });

  it("lists the images a default install runs and the CRDs it installs", async () => {
    const objs = await render([]);
    const running = new Set(containers(objs).map((c) => c.image));
    expect(new Set(annotation("images").map((i) => i.image))).toEqual(running);
    const crds = readdirSync(join(CHART, "crds")).map((f) => load(readFileSync(join(CHART, "crds", f), "utf8")) as Obj);
    expect(
      annotation("crds")
        .map((c) => [c.kind, c.version, c.name])
        .sort(),
    ).toEqual(crds.map((c) => [c.spec.names.kind, c.spec.versions[0].name, c.spec.names.singular]).sort());
    for (const c of annotation("crds")) expect(c.description, c.kind).toBeTruthy();
  });

  it("passes helm lint --strict without the icon recommendation", async () => {
    expect(await helm("lint", "--strict", CHART)).not.toMatch(/icon is recommended/);
  });
});

describe("Repositories and BackupConfigurations from values", () => {
  it("renders each with its name, namespace (default: the release's), labels, annotations and spec", async () => {
    const spec = { backend: { local: { path: "/backups" } } };
    const config = { repository: { name: "local" }, schedule: "0 2 * * *" };
    const objs = await render([
      "--set-json",
      `repositories={"local":{"spec":${JSON.stringify(spec)}},"s3":{"namespace":"apps","labels":{"tier":"a"},"annotations":{"n":"x"},"spec":${JSON.stringify(spec)}}}`,
      "--set-json",
      `backupConfigurations={"nightly":{"namespace":"apps","spec":${JSON.stringify(config)}}}`,
    ]);
    const mine = objs.filter((o) => o.apiVersion === "kubedump.io/v1alpha1");
    const named = (kind: string, name: string) => mine.find((o) => o.kind === kind && o.metadata.name === name)!;
    expect(mine.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`).sort()).toEqual([
      "BackupConfiguration apps/nightly",
      "Repository apps/s3",
      "Repository helm-render/local",
    ]);
    expect(named("Repository", "local").spec).toEqual(spec);
    expect(named("Repository", "s3").metadata.labels).toMatchObject({ tier: "a", "app.kubernetes.io/instance": "kd" });
    expect(named("Repository", "s3").metadata.annotations).toEqual({ n: "x" });
    expect(named("BackupConfiguration", "nightly").spec).toEqual(config);
  });
});
