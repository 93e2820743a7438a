// Reuse by identity (docs/decisions.md): a format-2 backup with the reuse table of the last one
// takes unchanged objects' blobs from it, and its snapshot is byte for byte what a fresh
// serialization gives; changed, re-created objects and changed options are read again.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createKubeClient, objectPath } from "@kubedump/kube";
import { openRepository, type Repository } from "@kubedump/repository";
import { createLocalObjectStore } from "@kubedump/repository/local";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type DumpOptions, takeSnapshot } from "./index.js";

const env = inject("testenv");
const client = createKubeClient({ kubeconfig: env.kubeconfig });
const namespace = `reuse-${Date.now().toString(36)}`;
const CONFIG_MAPS = 12;
let dir: string;

const cmPath = (name: string) =>
  objectPath({ apiPath: "/api/v1", resource: "configmaps", namespaced: true }, name, namespace);
const cm = (name: string, value: string) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, labels: { app: "reuse" } },
  data: { value, yes: "no" },
});

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "kubedump-reuse-test-"));
  await client.create("/api/v1/namespaces", { metadata: { name: namespace } });
  for (let i = 0; i < CONFIG_MAPS; i++)
    await client.create(`/api/v1/namespaces/${namespace}/configmaps`, cm(`cm-${i}`, `value ${i}`));
});
afterAll(() => {
  client.close();
  rmSync(dir, { recursive: true, force: true });
});

const scope: DumpOptions = { scope: { type: "namespace", namespace } };

async function repositoryOf(name: string, password?: string): Promise<Repository> {
  return openRepository({ format: 2, store: createLocalObjectStore({ root: join(dir, name) }), password });
}

async function backup(repository: Repository, cache: string | undefined, options = scope) {
  const indexCacheDir = cache === undefined ? undefined : join(dir, cache);
  const { manifest, result } = await takeSnapshot(
    { client, repository, indexCacheDir },
    { options, source: { kind: "cli" } },
  );
  return { id: manifest.id, objects: manifest.objects, reused: result.reused };
}

async function contents(repository: Repository, id: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for await (const { path, data } of repository.readObjects(id)) files.set(path, data.toString("utf8"));
  return files;
}

describe.each([
  ["unencrypted", undefined],
  ["encrypted", "reuse password"],
])("a format-2 backup with a reuse table (%s)", (name, password) => {
  it("reuses every unchanged object, its snapshot byte-identical to a fresh one's", async () => {
    const repository = await repositoryOf(`${name}-same`, password);
    const first = await backup(repository, `${name}-same-cache`);
    const second = await backup(repository, `${name}-same-cache`);
    const fresh = await backup(repository, undefined);

    expect(first.reused).toBe(0);
    expect(second.objects).toBeGreaterThan(CONFIG_MAPS);
    expect(second.reused).toBe(second.objects);
    expect(fresh.reused).toBe(0);
    const reused = await contents(repository, second.id);
    expect(reused.size).toBe(second.objects);
    expect(reused).toEqual(await contents(repository, fresh.id));
    expect(reused).toEqual(await contents(repository, first.id));
  });

  it("reads an object again when its resourceVersion changed, or it was deleted and created anew", async () => {
    const repository = await repositoryOf(`${name}-changed`, password);
    const cache = `${name}-changed-cache`;
    await backup(repository, cache);
    await client.patch(cmPath("cm-1"), { data: { value: `changed ${name}` } });
    await client.delete(cmPath("cm-2"));
    await client.create(`/api/v1/namespaces/${namespace}/configmaps`, cm("cm-2", `created anew ${name}`));

    const second = await backup(repository, cache);
    const fresh = await backup(repository, undefined);

    expect(second.reused).toBe(second.objects - 2);
    const files = await contents(repository, second.id);
    expect(files.get(`namespaces/${namespace}/configmaps/cm-1.yaml`)).toContain(`value: changed ${name}`);
    expect(files.get(`namespaces/${namespace}/configmaps/cm-2.yaml`)).toContain(`value: created anew ${name}`);
    expect(files).toEqual(await contents(repository, fresh.id));
  });

  it("reuses nothing when the options changed, sanitize among them", async () => {
    const repository = await repositoryOf(`${name}-options`, password);
    const cache = `${name}-options-cache`;
    await backup(repository, cache);
    const raw = await backup(repository, cache, { ...scope, sanitize: false });
    const again = await backup(repository, cache, { ...scope, sanitize: false });

    expect(raw.reused).toBe(0);
    expect(again.reused).toBe(again.objects);
    const files = await contents(repository, again.id);
    expect(files.get(`namespaces/${namespace}/configmaps/cm-0.yaml`)).toContain("resourceVersion:");
    expect(files).toEqual(await contents(repository, raw.id));
  });
});
