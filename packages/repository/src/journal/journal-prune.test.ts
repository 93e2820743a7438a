// Prune and the journal, on MinIO and on a local directory: segments that ended before the oldest
// kept snapshot of their scope go, the others stay and keep their blobs; the state is still read.
import { describe, expect, inject, it } from "vitest";
import { snapshotManifestKey } from "../snapshot/layout.js";
import { loadBlobIndex } from "../format2/index-loader.js";
import { blobId, type Format2Keys } from "../format2/keys.js";
import { pruneRepository } from "../format2/prune.js";
import { writeSnapshotV2 } from "../format2/snapshot-writer.js";
import { deploymentYaml, storedDataBlobs, TEST_KEYS, testStores } from "../format2/test-support.js";
import { verifyRepository } from "../format2/verify.js";
import type { ObjectStore } from "../stores/object-store.js";
import { collect } from "../test-support.js";
import { JournalReader } from "./journal-reader.js";
import { JournalWriter } from "./journal-writer.js";
import type { JournalScope } from "./layout.js";
import { blobsOf, Churn, SCOPE, scopeDraft, T0 } from "./test-support.js";

const env = inject("testenv");
const { stores } = testStores(env, "kubedump-journal", "prune");
const S1 = "20261126T020000Z-0a0a0a0a";
const S2 = "20261126T020010Z-0b0b0b0b";
const OTHER: JournalScope = { scope: { type: "cluster" }, params: {} };

async function snapshot(store: ObjectStore, keys: Format2Keys | null, id: string, time: number, churn: Churn) {
  const { index } = await loadBlobIndex({ store, keys });
  await writeSnapshotV2({ store, keys, index }, scopeDraft(id, time), churn.snapshotInput());
}

/** Writes the churn's changes from `from` to `to` as one segment; resolves with its key. */
async function segment(store: ObjectStore, keys: Format2Keys | null, churn: Churn, from: number, to: number) {
  const writer = new JournalWriter({ store, keys, scope: SCOPE });
  for (const event of churn.events)
    if ("change" in event && event.change.time >= from && event.change.time <= to) await writer.append(event.change);
  const written = await writer.flush();
  await writer.close();
  return written?.key ?? "";
}

describe.each(stores)("prune with a journal on %s", (_, newStore) => {
  it.each([
    ["unencrypted", null],
    ["encrypted", TEST_KEYS],
  ] as [string, Format2Keys | null][])(
    "deletes the segments older than the oldest kept snapshot and keeps the others' blobs (%s)",
    async (_, keys) => {
      const store = newStore();
      const churn = new Churn(6);
      await snapshot(store, keys, S1, T0, churn);
      churn.modify(T0 + 2000, "web-3"); // revision 2 of web-3: in segment A only
      churn.modify(T0 + 3000, "web-3");
      churn.remove(T0 + 4000, "web-4");
      const a = await segment(store, keys, churn, T0, T0 + 9000);
      await snapshot(store, keys, S2, T0 + 10_000, churn);
      churn.modify(T0 + 12_000, "web-2"); // revisions 2 and 3 of web-2: in segment B only
      churn.modify(T0 + 13_000, "web-2");
      const b = await segment(store, keys, churn, T0 + 10_000, T0 + 20_000);
      const other = new JournalWriter({ store, keys, scope: OTHER });
      const lone = deploymentYaml("other", "lone", 9); // a scope with no snapshot: all its segments stay
      const ref = { group: "apps", version: "v1", resource: "deployments", namespace: "other", name: "lone", uid: "u" };
      await other.append({ time: T0, kind: "added", ref, resourceVersion: "1", data: lone });
      await other.close();

      const web3r2 = blobId(keys, deploymentYaml("shop", "web-3", 2));
      expect(await storedDataBlobs(store, keys)).toContain(web3r2);
      await store.delete(snapshotManifestKey(S1));
      const report = await pruneRepository({ store, keys, repackThreshold: 0 });
      expect(report.journal).toEqual({ segmentsKept: 2, segmentsDeleted: 1, segmentsRetained: 0 });
      const left = (await collect(store.list("journal/"))).map((e) => e.key);
      expect(left).not.toContain(a);
      expect(left).toContain(b);
      expect(left).toHaveLength(2);

      const kept = await storedDataBlobs(store, keys);
      expect(kept).not.toContain(web3r2);
      for (const revision of [2, 3]) expect(kept).toContain(blobId(keys, deploymentYaml("shop", "web-2", revision)));
      expect(kept).toContain(blobId(keys, lone));
      expect((await verifyRepository({ store, keys })).problems).toEqual([]);

      const reader = new JournalReader({ store, keys, scope: SCOPE });
      for (const time of [T0 + 11_000, T0 + 12_500, T0 + 20_000]) {
        const state = await reader.stateAt(time);
        expect(state.anchor?.id).toBe(S2);
        expect(blobsOf(state)).toEqual(churn.expectedAt(keys, time));
      }
      const web2 = (await reader.stateAt(T0 + 12_500)).objects.get("apps/deployments/shop/web-2");
      expect(await reader.readBlob(web2?.blob ?? "")).toEqual(deploymentYaml("shop", "web-2", 2));

      const again = await pruneRepository({ store, keys, repackThreshold: 0 });
      expect(again.journal).toEqual({ segmentsKept: 2, segmentsDeleted: 0, segmentsRetained: 0 });
      expect(again).toMatchObject({ packsDeleted: 0, packsRepacked: 0, bytesFreed: 0 });
    },
  );
});
