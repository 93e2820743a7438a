// forget with prune on a format-2 repository while a backup holds its shared lock: the snapshots
// are forgotten, the prune is left for later and says why; once the lock is free a prune removes
// the forgotten snapshot's data.
import { describe, expect, inject, it } from "vitest";
import { openRepository } from "../snapshot/repository.js";
import { collect } from "../test-support.js";
import { format2Of } from "./as-repository.js";
import { acquireLock } from "./lock.js";
import { PRUNE_IDS, testStores, writeForgottenMiddle } from "./test-support.js";

const env = inject("testenv");
const { localStore } = testStores(env, "kubedump-f2-forget", "forget");
const [FIRST, , LAST] = PRUNE_IDS as [string, string, string];

describe("forget --prune on a format-2 repository", () => {
  it("leaves the prune for later while a backup holds the lock, and a later prune removes the data", async () => {
    const store = localStore();
    await store.put(
      "repository.json",
      Buffer.from('{"formatVersion": 2, "created": "2026-12-01T00:00:00.000Z", "encryption": null}'),
    );
    await writeForgottenMiddle(store, null);
    const repository = await openRepository({ store });
    const packs = async () => (await collect(store.list("data/"))).map((e) => e.key);
    const before = await packs();

    const backup = await acquireLock({ store, kind: "shared", holder: "backup nightly-1764122400" });
    const result = await repository.forget({ keepLast: 1 });
    await backup.release();
    expect(result.removed.map((r) => r.id)).toEqual([FIRST]);
    expect(result.pruneDeferred).toMatch(/shared lock .* backup nightly-1764122400/);
    expect((await repository.listSnapshots()).map((s) => s.id)).toEqual([LAST]);
    expect(await packs()).toEqual(before);

    const report = await format2Of(repository)!.prune({ repackThreshold: 0 });
    expect(report.packsDeleted + report.packsRepacked).toBeGreaterThan(0);
    expect((await format2Of(repository)!.verify()).problems).toEqual([]);
  });
});
