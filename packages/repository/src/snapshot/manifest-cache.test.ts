import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLocalObjectStore, type LocalObjectStore } from "../stores/local-object-store.js";
import type { ObjectStore } from "../stores/object-store.js";
import { stageSnapshot, testObjects } from "../test-support.js";
import { ManifestCache } from "./manifest-cache.js";
import { openRepository } from "./repository.js";
import type { SnapshotManifest } from "./types.js";

const IDS = ["20261126T020000Z-0a1b2c3d", "20261127T020000Z-00000000", "20261128T020000Z-ffffffff"];
const ID4 = "20261129T020000Z-12345678";

let tmp: string;
let local: LocalObjectStore;
let reads: string[];
let counting: ObjectStore;

beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kubedump-manifest-cache-"));
  local = createLocalObjectStore({ root: join(tmp, "repo") });
  reads = [];
  // Our own store interface, passed through to the real local store, counting snapshot.json reads.
  counting = new Proxy(local, {
    get(target, prop, receiver) {
      if (prop === "getBuffer")
        return (key: string, max?: number) => {
          if (key.endsWith("/snapshot.json")) reads.push(key);
          return target.getBuffer(key, max);
        };
      const value = Reflect.get(target, prop, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function commit(id: string): Promise<SnapshotManifest> {
  const repository = await openRepository({ format: 1, store: local });
  return repository.commitSnapshot(await stageSnapshot(join(tmp, `scratch-${id}`), id, testObjects(3)));
}

describe("a scan with a ManifestCache", () => {
  it("reads each snapshot.json once, then only new or changed ones, and forgets deleted ones", async () => {
    for (const id of IDS) await commit(id);
    const manifestCache = new ManifestCache();
    const repository = await openRepository({ format: 1, store: counting, manifestCache });

    expect((await repository.listSnapshots()).map((m) => m.id)).toEqual(IDS);
    expect(reads).toHaveLength(3);
    reads.length = 0;
    expect((await repository.listSnapshots()).map((m) => m.id)).toEqual(IDS);
    expect(reads).toEqual([]);

    await commit(ID4);
    expect((await repository.listSnapshots()).map((m) => m.id)).toEqual([...IDS, ID4]);
    expect(reads).toEqual([`snapshots/${ID4}/snapshot.json`]);

    await repository.deleteSnapshot(IDS[0]!);
    reads.length = 0;
    expect((await repository.listSnapshots()).map((m) => m.id)).toEqual([...IDS.slice(1), ID4]);
    expect(reads).toEqual([]);
    expect(manifestCache.size).toBe(3);

    // A snapshot.json rewritten in place (another size) is read again, and its damage is reported.
    await local.put(`snapshots/${ID4}/snapshot.json`, Buffer.from('{"formatVersion": 1, "id": '));
    const scan = await repository.scanSnapshots();
    expect(reads).toEqual([`snapshots/${ID4}/snapshot.json`]);
    expect(scan.snapshots.map((m) => m.id)).toEqual(IDS.slice(1));
    expect(scan.unreadable.map((u) => u.id)).toEqual([ID4]);
  });

  it("a cache of another location shares nothing: a new cache reads everything", async () => {
    for (const id of IDS) await commit(id);
    await (await openRepository({ format: 1, store: counting, manifestCache: new ManifestCache() })).listSnapshots();
    reads.length = 0;
    await (await openRepository({ format: 1, store: counting, manifestCache: new ManifestCache() })).listSnapshots();
    expect(reads).toHaveLength(3);
  });
});

describe("ManifestCache", () => {
  const manifest = (id: string) => ({ id }) as SnapshotManifest;
  const t = new Date(0);

  it("keeps at most maxEntries, dropping the least recently used", () => {
    const cache = new ManifestCache(2);
    cache.set("a", 1, t, manifest("a"));
    cache.set("b", 1, t, manifest("b"));
    expect(cache.get("a", 1, t)?.id).toBe("a");
    cache.set("c", 1, t, manifest("c"));
    expect([cache.get("a", 1, t)?.id, cache.get("b", 1, t)?.id, cache.get("c", 1, t)?.id]).toEqual([
      "a",
      undefined,
      "c",
    ]);
  });

  it("misses when the listed size or time differs from the entry's", () => {
    const cache = new ManifestCache();
    cache.set("k", 10, t, manifest("k"));
    expect(cache.get("k", 11, t)).toBeUndefined();
    expect(cache.get("k", 10, new Date(1))).toBeUndefined();
    expect(cache.get("k", 10, undefined)).toBeUndefined();
    expect(cache.get("k", 10, new Date(0))?.id).toBe("k");
  });
});
