// A backup with a reuse table lists metadata and reads only what changed (docs/decisions.md,
// "Metadata listing"): its snapshot is byte for byte, and record for record, what a full listing
// gives, whether the changed objects are read by GET or by reading their page again, with objects
// created, patched, deleted, created anew, custom resources, and an object gone before its GET.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  isNotFound,
  KubeApiError,
  KubeClient,
  type KubeObject,
  loadConnection,
  METADATA_PROTOBUF_ACCEPT,
  objectPath,
  type RequestOpts,
} from "@kubedump/kube";
import { openRepository, type Repository } from "@kubedump/repository";
import { createLocalObjectStore } from "@kubedump/repository/local";
import { seedCluster } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { waitFor } from "../../../test/e2e/harness.js";
import { type DumpOptions, takeSnapshot } from "./index.js";

const env = inject("testenv");
const P = "chg";
const namespace = `${P}-shop`;
const group = `${P}.example.com`;

/** The real client, counting what a backup asked, and able to act between a metadata page and what follows. */
class WatchedClient extends KubeClient {
  metadataLists = 0;
  gets = 0;
  /** GETs that asked for a resourceVersion (served from the API server's watch cache). */
  cachedGets = 0;
  /** Answer metadata requests of this collection path with 406, as an aggregated API might. */
  refuse?: string;
  /** Answer GETs that ask for a resourceVersion with 504, as a watch cache behind it does. */
  cacheBehind = false;
  /** [start, end, kind] of each request by collection path: a metadata page, or an object read whole. */
  spans = new Map<string, [number, number, "metadata" | "whole"][]>();
  /** Runs after each metadata page until it returns true. */
  afterMetadata?: (path: string) => Promise<boolean>;
  constructor() {
    super(loadConnection({ kubeconfig: env.kubeconfig }));
  }
  override async requestBody(method: string, path: string, opts: RequestOpts = {}): Promise<Buffer> {
    const start = performance.now();
    try {
      return await this.watched(method, path, opts);
    } finally {
      const metadata = opts.accept === METADATA_PROTOBUF_ACCEPT;
      const collection = opts.tokens === 0 ? path.slice(0, path.lastIndexOf("/")) : path;
      const spans = this.spans.get(collection) ?? [];
      spans.push([start, performance.now(), metadata ? "metadata" : "whole"]);
      this.spans.set(collection, spans);
    }
  }
  private async watched(method: string, path: string, opts: RequestOpts): Promise<Buffer> {
    if (opts.accept === METADATA_PROTOBUF_ACCEPT) {
      if (path === this.refuse) throw new KubeApiError(406, "NotAcceptable", `GET ${path}: 406 NotAcceptable`);
      this.metadataLists++;
      const body = await super.requestBody(method, path, opts);
      if (await this.afterMetadata?.(path)) this.afterMetadata = undefined;
      return body;
    }
    if (opts.tokens === 0) this.gets++;
    if (opts.tokens === 0 && opts.query?.resourceVersion !== undefined) {
      this.cachedGets++;
      if (this.cacheBehind) throw new KubeApiError(504, "Timeout", `GET ${path}: 504 Too large resource version`);
    }
    return super.requestBody(method, path, opts);
  }
}

const client = new WatchedClient();
const cmRt = { apiPath: "/api/v1", resource: "configmaps", namespaced: true };
const crRt = { apiPath: `/apis/${group}/v1`, resource: "configmaps", namespaced: true };
const cm = (name: string, value: string) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, labels: { app: "changed" } },
  data: { value },
});
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "kubedump-changed-test-"));
  await seedCluster(env, P);
});
afterAll(() => {
  client.close();
  rmSync(dir, { recursive: true, force: true });
});

async function backup(repository: Repository, cache: string | undefined, options: DumpOptions) {
  const indexCacheDir = cache === undefined ? undefined : join(dir, cache);
  const ignored: string[] = [];
  const { manifest, result } = await takeSnapshot(
    { client, repository, indexCacheDir, onReuseTableIgnored: (reason) => ignored.push(reason) },
    { options, source: { kind: "cli" } },
  );
  return { id: manifest.id, objects: manifest.objects, reused: result.reused, failed: result.failedResources, ignored };
}

/** A snapshot's objects (path → YAML) and its records without their pack. */
async function contents(repository: Repository, id: string) {
  const files = new Map<string, string>();
  for await (const { path, data } of repository.readObjects(id)) files.set(path, data.toString("utf8"));
  const records = [];
  for await (const { part: _part, ...record } of repository.readIndex(id)) records.push(record);
  records.sort((a, b) => a.path.localeCompare(b.path));
  return { files, records };
}

describe.each([
  ["by GET", undefined, "unencrypted", undefined, false],
  ["by GET", undefined, "encrypted", "changed password", false],
  ["by GET, the watch cache behind", undefined, "behind", undefined, true],
  ["by reading their page again", 3, "unencrypted", undefined, false],
  ["by reading their page again", 3, "encrypted", "changed password", false],
])("a second backup reads what changed %s (page size %s, %s)", (_how, pageSize, name, password, cacheBehind) => {
  const tag = `${pageSize ?? "all"}-${name}`;
  const options: DumpOptions = { scope: { type: "namespace", namespace }, pageSize };
  const collection = `/api/v1/namespaces/${namespace}/configmaps`;

  it("gives the snapshot a full listing gives, with objects created, patched, deleted and created anew", async () => {
    for (const n of ["patched", "deleted", "renewed", "doomed"]) await client.create(collection, cm(`${n}-${tag}`, n));
    const repository = await openRepository({
      format: 2,
      store: createLocalObjectStore({ root: join(dir, tag) }),
      password,
    });
    const first = await backup(repository, `${tag}-cache`, options);

    await client.patch(objectPath(cmRt, `patched-${tag}`, namespace), { data: { value: `patched ${name}` } });
    await client.delete(objectPath(cmRt, `deleted-${tag}`, namespace));
    await client.delete(objectPath(cmRt, `renewed-${tag}`, namespace));
    await client.create(collection, cm(`renewed-${tag}`, "created anew"));
    await client.create(collection, cm(`created-${tag}`, "created"));
    await client.patch(objectPath(crRt, "web-config", namespace), { spec: { size: Math.floor(Math.random() * 1e6) } });
    const byGet = pageSize === undefined;
    if (byGet) {
      // changed since the first backup, and deleted after the metadata listing saw it: its GET finds nothing
      const doomed = objectPath(cmRt, `doomed-${tag}`, namespace);
      const { metadata } = await client.patch<KubeObject>(doomed, { data: { value: "doomed, changed" } });
      client.afterMetadata = async (path) => {
        if (path !== collection) return false;
        await client.delete(doomed);
        // the GET asks the watch cache for the version the listing saw: wait until it has the deletion
        const query = { resourceVersion: metadata.resourceVersion ?? "" };
        const gone = () =>
          client.get(doomed, query).then(
            () => undefined,
            (err) => (isNotFound(err) ? true : undefined),
          );
        await waitFor("the watch cache to see the deletion", gone, 30_000, 20);
        return true;
      };
    }
    client.metadataLists = 0;
    client.gets = 0;
    client.cachedGets = 0;
    client.cacheBehind = cacheBehind;
    const second = await backup(repository, `${tag}-cache`, options);
    client.cacheBehind = false;
    client.afterMetadata = undefined;
    const fresh = await backup(repository, undefined, options);

    expect(first.reused).toBe(0);
    expect(second.failed).toEqual([]);
    expect(client.metadataLists).toBeGreaterThan(0);
    // patched, renewed, created and the custom resource read whole; by GET only when few on a page
    expect(client.gets).toBe(byGet ? (cacheBehind ? 10 : 5) : 0);
    // asked of the watch cache first; again for the newest when it is behind
    expect(client.cachedGets).toBe(byGet ? 5 : 0);
    expect(second.reused).toBe(second.objects - 4);
    expect(second.objects).toBe(fresh.objects);
    const got = await contents(repository, second.id);
    expect(got.files.get(`namespaces/${namespace}/configmaps/patched-${tag}.yaml`)).toContain(`value: patched ${name}`);
    expect(got.files.get(`namespaces/${namespace}/configmaps/renewed-${tag}.yaml`)).toContain("value: created anew");
    expect(got.files.has(`namespaces/${namespace}/configmaps/deleted-${tag}.yaml`)).toBe(false);
    expect(got.files.has(`namespaces/${namespace}/configmaps/doomed-${tag}.yaml`)).toBe(!byGet);
    expect(got.records.some((r) => r.ownerReferences?.length)).toBe(true);
    expect(got).toEqual(await contents(repository, fresh.id));
  });
});

describe("a second backup of a type of many metadata pages", () => {
  it("asks for the next page while it reads a page's changed objects, and gives what a full listing gives", async () => {
    const pages = `${P}-pages`;
    const collection = `/api/v1/namespaces/${pages}/configmaps`;
    await client.create("/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: pages } });
    const names = Array.from({ length: 40 }, (_, i) => `cm-${String(i).padStart(2, "0")}`);
    for (const name of names) await client.create(collection, cm(name, "before"));
    const repository = await openRepository({ format: 2, store: createLocalObjectStore({ root: join(dir, pages) }) });
    // metadata pages of 4 times the page size: 8 here; one changed object of 8 is read again by its page
    const options: DumpOptions = { scope: { type: "namespace", namespace: pages }, pageSize: 2 };
    await backup(repository, "pages-cache", options);
    for (const name of names.filter((_, i) => i % 4 === 0))
      await client.patch(objectPath(cmRt, name, pages), { data: { value: `after ${name}` } });
    client.spans.clear();
    const second = await backup(repository, "pages-cache", options);
    const spans = client.spans.get(collection) ?? [];
    const fresh = await backup(repository, undefined, options);

    const metadata = spans.filter(([, , kind]) => kind === "metadata");
    const whole = spans.filter(([, , kind]) => kind === "whole");
    expect(metadata.length).toBeGreaterThanOrEqual(5);
    expect(whole.length).toBeGreaterThan(0);
    // a metadata page in flight at the same time as a read of objects of the page before it
    const overlaps = metadata.filter(([a, b]) => whole.some(([c, d]) => a < d && c < b));
    expect(overlaps.length).toBeGreaterThan(0);
    expect(second.failed).toEqual([]);
    expect(second.reused).toBe(second.objects - 10);
    const got = await contents(repository, second.id);
    expect(got.files.get(`namespaces/${pages}/configmaps/cm-08.yaml`)).toContain("value: after cm-08");
    expect(got).toEqual(await contents(repository, fresh.id));
  });
});

describe("a second backup with label filters", () => {
  it("reads the labels they match by and gives what a full listing gives as the labels change", async () => {
    const labelled = `${P}-labels`;
    const collection = `/api/v1/namespaces/${labelled}/configmaps`;
    await client.create("/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: labelled } });
    const withLabels = (name: string, labels: Record<string, string>) => ({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name, labels: { noise: "x", ...labels } },
      data: { value: name },
    });
    await client.create(collection, withLabels("front", { app: "shop", tier: "front" }));
    await client.create(collection, withLabels("back", { app: "shop", tier: "back" }));
    await client.create(collection, withLabels("cache", { app: "shop", tier: "cache" }));
    await client.create(collection, withLabels("still", { app: "shop", tier: "front", other: "y" }));
    await client.create(collection, withLabels("steady", { app: "shop", tier: "back" }));
    const repository = await openRepository({
      format: 2,
      store: createLocalObjectStore({ root: join(dir, labelled) }),
    });
    // app=shop on the server; the tiers (either of two) and the exclusion label only here
    const options: DumpOptions = {
      scope: { type: "namespace", namespace: labelled },
      labelSelector: "app=shop",
      orLabelSelectors: ["tier=front", "tier in (back)"],
    };
    const first = await backup(repository, "labels-cache", options);
    const path = (name: string) => objectPath(cmRt, name, labelled);
    await client.patch(path("front"), { metadata: { labels: { "kubedump.io/exclude": "true" } } });
    await client.patch(path("back"), { metadata: { labels: { tier: "cache" } } });
    await client.patch(path("cache"), { metadata: { labels: { tier: "back" } } });
    await client.patch(path("still"), { metadata: { labels: { noise: "changed" } } });
    const second = await backup(repository, "labels-cache", options);
    const fresh = await backup(repository, undefined, options);

    const names = async (id: string) =>
      [...(await contents(repository, id)).files.keys()].map((p) => p.slice(p.lastIndexOf("/") + 1)).sort();
    expect(await names(first.id)).toEqual(["back.yaml", "front.yaml", "steady.yaml", "still.yaml"]);
    expect(second.failed).toEqual([]);
    expect(await names(second.id)).toEqual(["cache.yaml", "steady.yaml", "still.yaml"]);
    expect(second.reused).toBe(1); // "steady"; "still" changed by a label no filter reads
    expect(await contents(repository, second.id)).toEqual(await contents(repository, fresh.id));
  });
});

describe("a type whose metadata the server will not serve", () => {
  it("is listed whole, and its snapshot is the same", async () => {
    const repository = await openRepository({
      format: 2,
      store: createLocalObjectStore({ root: join(dir, "refused") }),
    });
    const options: DumpOptions = { scope: { type: "namespace", namespace } };
    await backup(repository, "refused-cache", options);
    await client.patch(objectPath(crRt, "web-config", namespace), { spec: { color: "refused" } });
    client.refuse = `/apis/${group}/v1/namespaces/${namespace}/configmaps`;
    client.gets = 0;
    const second = await backup(repository, "refused-cache", options);
    client.refuse = undefined;
    const fresh = await backup(repository, undefined, options);

    expect(second.failed).toEqual([]);
    expect(client.gets).toBe(0);
    expect(second.reused).toBe(second.objects - 1);
    const got = await contents(repository, second.id);
    expect(got.files.get(`namespaces/${namespace}/configmaps.${group}/web-config.yaml`)).toContain("color: refused");
    expect(got).toEqual(await contents(repository, fresh.id));
  });
});

describe.each([
  ["unencrypted", undefined],
  ["encrypted", "cache password"],
])("a second backup's cache (%s)", (name, password) => {
  const options: DumpOptions = { scope: { type: "namespace", namespace } };
  const collection = `/api/v1/namespaces/${namespace}/configmaps`;
  const tables = (cache: string) => join(dir, cache, "reuse");

  it.each([
    ["stale: another backup came after the one it was saved for", "stale"],
    ["damaged", "damaged"],
    ["missing", "missing"],
  ])("when %s, gives the snapshot a full listing gives", async (_what, how) => {
    const tag = `cache-${how}-${name}`;
    await client.create(collection, cm(`${tag}-patched`, "before"));
    await client.create(collection, cm(`${tag}-deleted`, "before"));
    const repository = await openRepository({
      format: 2,
      store: createLocalObjectStore({ root: join(dir, tag) }),
      password,
    });
    const first = await backup(repository, `${tag}-cache`, options);
    await client.patch(objectPath(cmRt, `${tag}-patched`, namespace), { data: { value: "after" } });
    await client.delete(objectPath(cmRt, `${tag}-deleted`, namespace));
    await client.create(collection, cm(`${tag}-created`, "created"));
    if (how === "stale") await backup(repository, `${tag}-other-cache`, options);
    if (how === "damaged")
      for (const file of readdirSync(tables(`${tag}-cache`))) {
        const path = join(tables(`${tag}-cache`), file);
        const data = readFileSync(path);
        data.writeUInt8((data.readUInt8(data.length - 3) ^ 0x10) & 0xff, data.length - 3);
        writeFileSync(path, data);
      }
    if (how === "missing") rmSync(tables(`${tag}-cache`), { recursive: true });
    const second = await backup(repository, `${tag}-cache`, options);
    const fresh = await backup(repository, undefined, options);

    expect(first.reused).toBe(0);
    // a stale table still serves reuse (the objects are unchanged); a damaged or missing one none
    expect(second.reused).toBe(how === "stale" ? second.objects - 2 : 0);
    // only a table found and not used is reported, with why
    expect(second.ignored).toEqual(how === "damaged" ? [expect.stringMatching(/ignored: it fails its check/)] : []);
    const got = await contents(repository, second.id);
    expect(got.files.get(`namespaces/${namespace}/configmaps/${tag}-patched.yaml`)).toContain("value: after");
    expect(got.files.has(`namespaces/${namespace}/configmaps/${tag}-deleted.yaml`)).toBe(false);
    expect(got).toEqual(await contents(repository, fresh.id));
  });
});
