import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createKubeClient } from "@kubedump/kube";
import { diffSides, openRepository, type Repository, snapshotSide } from "@kubedump/repository";
import { createLocalObjectStore } from "@kubedump/repository/local";
import { seedCluster } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { dumpOptionsOfSnapshot, liveSide, type Scope, SnapshotScopeError, takeSnapshot } from "./index.js";

const env = inject("testenv");
const client = createKubeClient({ kubeconfig: env.kubeconfig });
let dir: string;
let repository: Repository;
let shop: string;
let blog: string;

beforeAll(async () => {
  ({ shop, blog } = (await seedCluster(env, "lvs")).namespaces);
  dir = mkdtempSync(join(tmpdir(), "kubedump-live-side-test-"));
  repository = await openRepository({ store: createLocalObjectStore({ root: join(dir, "repo") }) });
});
afterAll(() => {
  client.close();
  rmSync(dir, { recursive: true, force: true });
});

async function snapshot(scope: Scope, params: Record<string, string> = {}) {
  const options = { scope, ...(params.excludeResources ? { excludeResources: [params.excludeResources] } : {}) };
  const { manifest } = await takeSnapshot({ client, repository }, { options, params, source: { kind: "cli" } });
  return manifest;
}

const configMaps = (ns: string) => `/api/v1/namespaces/${ns}/configmaps`;

describe("liveSide", () => {
  it.each([
    ["a namespace", () => ({ type: "namespace" as const, namespace: shop })],
    [
      "an application",
      () => ({
        type: "application" as const,
        target: { apiVersion: "apps/v1", kind: "Deployment", namespace: blog, name: "api" },
        includeDependants: true,
      }),
    ],
  ])("finds nothing changed right after a backup of %s: the YAML is byte for byte the backup's", async (_, scope) => {
    const manifest = await snapshot(scope(), scope().type === "application" ? { includeDependants: "true" } : {});
    const live = liveSide({ client }, manifest);
    const diff = await diffSides(snapshotSide(repository, manifest.id), live);
    expect(diff.counts).toEqual({ added: 0, removed: 0, changed: 0, unchanged: manifest.objects });
    expect(manifest.objects).toBeGreaterThan(3);
  });

  it("dumps with the snapshot's params, and diffs what changed in the cluster since", async () => {
    const manifest = await snapshot({ type: "namespace", namespace: shop }, { excludeResources: "secrets" });
    await client.patch(`${configMaps(shop)}/web-config`, { data: { edited: "yes" } });
    await client.delete(`/api/v1/namespaces/${shop}/serviceaccounts/web`);
    await client.create(configMaps(shop), { metadata: { name: "new-config" }, data: { a: "1" } });
    await client.create(`/api/v1/namespaces/${shop}/secrets`, { metadata: { name: "not-in-scope" } });

    const live = liveSide({ client }, manifest);
    const diff = await diffSides(snapshotSide(repository, manifest.id), live);
    expect(diff.objects.map((o) => [o.change, o.path])).toEqual([
      ["added", `namespaces/${shop}/configmaps/new-config.yaml`],
      ["changed", `namespaces/${shop}/configmaps/web-config.yaml`],
      ["removed", `namespaces/${shop}/serviceaccounts/web.yaml`],
    ]);
    const changed = diff.objects[1];
    expect(changed?.diff).toContain(`+++ live/namespaces/${shop}/configmaps/web-config.yaml\n`);
    expect(changed?.diff).toMatch(/\n\+ {2}edited: 'yes'\n$/);
    expect(live.warnings).toEqual([]);
  });

  it("counts every object as removed when the application it backed up is gone, with a warning", async () => {
    await client.create(configMaps(shop), { metadata: { name: "solo" }, data: { a: "1" } });
    const target = { apiVersion: "v1", kind: "ConfigMap", namespace: shop, name: "solo" };
    const manifest = await snapshot({ type: "application", target, includeDependants: false });
    await client.delete(`${configMaps(shop)}/solo`);
    const live = liveSide({ client }, manifest);
    const diff = await diffSides(snapshotSide(repository, manifest.id), live);
    expect(diff.objects.map((o) => [o.change, o.path])).toEqual([
      ["removed", `namespaces/${shop}/configmaps/solo.yaml`],
    ]);
    expect(live.warnings).toEqual([
      expect.stringMatching(/solo.* not found: every object of the snapshot counts as removed$/),
    ]);
  });

  it.each([
    [
      "a target it cannot parse",
      { scope: { type: "application" as const, target: "not a target" } },
      /names no target/,
    ],
    ["a namespace scope without a namespace", { scope: { type: "namespace" as const } }, /names no target/],
    ["an unknown param", { params: { colour: "blue" } }, /params: unknown param "colour"/],
  ])("refuses a snapshot.json with %s, naming the snapshot", async (_, fields, message) => {
    const manifest = await snapshot({ type: "namespace", namespace: blog });
    const forged = { ...manifest, ...fields };
    const error = await dumpOptionsOfSnapshot(client, forged).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SnapshotScopeError);
    expect((error as Error).message).toMatch(new RegExp(`^snapshot ${manifest.id}: `));
    expect((error as Error).message).toMatch(message);
  });
});
