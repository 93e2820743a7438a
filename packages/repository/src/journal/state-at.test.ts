// stateAt and objectHistory on MinIO and on a local directory: a churn with deletions,
// re-creations and a 410 gap is journaled over a snapshot, and the state at many moments equals
// the state the churn went through, gaps reported where the journal could not see.
import { describe, expect, inject, it } from "vitest";
import { loadBlobIndex } from "../format2/index-loader.js";
import type { Format2Keys } from "../format2/keys.js";
import type { SnapshotInputObject } from "../format2/snapshot-writer.js";
import { writeSnapshotV2 } from "../format2/snapshot-writer.js";
import { TEST_KEYS, testStores } from "../format2/test-support.js";
import type { ObjectStore } from "../stores/object-store.js";
import { JournalReader } from "./journal-reader.js";
import { JournalWriter } from "./journal-writer.js";
import { type Churn, blobsOf, SCOPE, scopeDraft, standardChurn, T0 } from "./test-support.js";
import { NoAnchorError } from "./state-at.js";

const env = inject("testenv");
const { stores } = testStores(env, "kubedump-journal", "state-at");
const S1 = "20261126T020000Z-0a0a0a0a";
const S2 = "20261126T020040Z-0b0b0b0b";
const OTHER = "20261126T020020Z-0c0c0c0c";

async function snapshot(
  store: ObjectStore,
  keys: Format2Keys | null,
  id: string,
  time: number,
  input: SnapshotInputObject[],
  scope = SCOPE,
) {
  const { index } = await loadBlobIndex({ store, keys });
  await writeSnapshotV2(
    { store, keys, index },
    { ...scopeDraft(id, time), scope: scope.scope, params: scope.params },
    input,
  );
}

/** Journals the churn's recorded events from `from` on, 7 records a segment, with a writer that is then closed. */
async function journal(store: ObjectStore, keys: Format2Keys | null, churn: Churn, from = 0): Promise<void> {
  const writer = new JournalWriter({ store, keys, scope: SCOPE, flushEveryChanges: 7, flushEveryMs: 60_000 });
  for (const event of churn.events) {
    if ("gap" in event) {
      if (event.gap.to >= from) await writer.appendGap(event.gap);
    } else if (!event.hidden && event.change.time >= from) await writer.append(event.change);
  }
  await writer.close();
}

describe.each(stores)("journal stateAt on %s", (_, newStore) => {
  it.each([
    ["unencrypted", null],
    ["encrypted", TEST_KEYS],
  ] as [string, Format2Keys | null][])("equals the churn's state at every moment asked (%s)", async (_, keys) => {
    const store = newStore();
    const { churn, snapshot1, gap } = standardChurn();
    await snapshot(store, keys, S1, T0, snapshot1);
    // A snapshot of another scope in the middle is never an anchor.
    await snapshot(store, keys, OTHER, T0 + 20_000, [], { scope: { type: "cluster" }, params: {} });
    await journal(store, keys, churn);
    const after = T0 + 40_000;
    await snapshot(store, keys, S2, after, churn.snapshotInput());
    churn.modify(after + 2000, "web-1");
    churn.remove(after + 3000, "web-2");
    churn.add(after + 3000, "web-2");
    await journal(store, keys, churn, after);

    const reader = new JournalReader({ store, keys, scope: SCOPE });
    expect((await reader.listSegments()).length).toBeGreaterThanOrEqual(6);
    const eventTimes = churn.events.flatMap((e) => ("gap" in e || e.change.time < T0 + 1000 ? [] : [e.change.time]));
    const times = [
      T0 + 1000,
      ...eventTimes,
      ...eventTimes.map((t) => t + 350),
      after + 999,
      after + 1000,
      after + 60_000,
    ];
    for (const time of times) {
      const state = await reader.stateAt(time);
      const inGap = time >= gap.from && time < gap.to;
      if (!inGap) expect(blobsOf(state), `state at T0+${time - T0} ms`).toEqual(churn.expectedAt(keys, time));
      expect(state.anchor?.id).toBe(time >= after + 1000 ? S2 : S1);
      const gapSeen = state.gaps.some((g) => g.from === gap.from && g.to === gap.to && g.reason === "410");
      expect(gapSeen, `gap at T0+${time - T0} ms`).toBe(time >= gap.from && time < after + 1000);
    }
    // Inside the gap the journal shows web-5 as before; the hidden versions are the gap's.
    const inside = await reader.stateAt(gap.from + 300);
    expect(blobsOf(inside)).not.toEqual(churn.expectedAt(keys, gap.from + 300));

    const last = await reader.stateAt(after + 60_000);
    for (const [key, object] of churn.objects)
      expect(await reader.readBlob(last.objects.get(key)?.blob ?? "")).toEqual(object.data);
    const read = new Map<string, Buffer>();
    await reader.eachBlob(
      [...last.objects.values()].map((o) => o.blob),
      (id, data) => read.set(id, data),
    );
    for (const [key, object] of churn.objects) expect(read.get(last.objects.get(key)?.blob ?? "")).toEqual(object.data);
    await expect(reader.stateAt(T0 + 999)).rejects.toThrow(NoAnchorError);
  });

  it("objectHistory lists deletions and re-creations with their uids, and the gaps", async () => {
    const store = newStore();
    const { churn, snapshot1 } = standardChurn();
    await snapshot(store, null, S1, T0, snapshot1);
    await journal(store, null, churn);
    const recorded = churn.events.flatMap((e) => ("gap" in e || e.hidden ? [] : [e.change]));
    const deleted = recorded.find((c) => c.kind === "deleted");
    expect(deleted).toBeDefined();
    const ref = deleted?.ref ?? recorded[0]!.ref;
    const history = await new JournalReader({ store, keys: null, scope: SCOPE }).objectHistory(ref);
    const mine = recorded.filter((c) => c.ref.name === ref.name);
    expect(history.changes.map((c) => [c.time, c.kind, c.ref.uid])).toEqual(
      mine.map((c) => [c.time, c.kind, c.ref.uid]),
    );
    expect(new Set(history.changes.map((c) => c.ref.uid)).size).toBeGreaterThan(1);
    expect(history.gaps).toHaveLength(1);
  });

  it("replays the whole journal when the scope has no snapshot", async () => {
    const store = newStore();
    const { churn } = standardChurn();
    const writer = new JournalWriter({ store, keys: null, scope: SCOPE, flushEveryMs: 60_000 });
    for (const object of churn.snapshotInput().slice(0, 3))
      await writer.append({
        time: T0,
        kind: "added",
        ref: { ...object.record, namespace: "shop" },
        resourceVersion: "1",
        data: object.data,
      });
    await writer.close();
    const state = await new JournalReader({ store, keys: null, scope: SCOPE }).stateAt(T0);
    expect(state.anchor).toBeUndefined();
    expect(state.objects.size).toBe(3);
  });
});
