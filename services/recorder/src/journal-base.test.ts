// loadJournalBase replays the journal segment after segment into the object tables; the base it
// gives must be exactly what stateAt's replay (every record in memory, in time order) gives,
// reduced the way the recorder used to: here on a local directory store, with segments written by
// two writers at once (overlapping, out of order with each other), equal times across segments,
// deletions of another uid, re-creations, uids "", an older change read after a newer one, and an
// anchor snapshot under it.
import { createHash, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Format2Keys, loadBlobIndex, writeSnapshotV2 } from "@kubedump/repository/format2";
import {
  type ChangeInput,
  JournalReader,
  type JournalScope,
  JournalWriter,
  type ObjectRef,
} from "@kubedump/repository/journal";
import { LocalObjectStore } from "@kubedump/repository/local";
import { afterAll, describe, expect, it } from "vitest";
import { loadJournalBase } from "./journal-base.js";
import { nameKey } from "./object-change.js";

const SCOPE: JournalScope = { scope: { type: "namespace", namespace: "shop" }, params: {} };
const T0 = Date.parse("2026-12-01T10:00:00Z");
const roots: string[] = [];

afterAll(async () => {
  for (const root of roots) await rm(root, { recursive: true, force: true });
});

async function newStore(): Promise<LocalObjectStore> {
  const root = await mkdtemp(join(tmpdir(), "journal-base-"));
  roots.push(root);
  return new LocalObjectStore({ root });
}

/** A small deterministic random source, so a failing case can be run again. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 2 ** 32;
  };
}

const TYPES = [
  { group: "", version: "v1", resource: "configmaps" },
  { group: "apps", version: "v1", resource: "deployments" },
];

/** The base as the recorder built it before: stateAt's objects, by type key then `namespace/name`. */
async function oracle(reader: JournalReader, now: number): Promise<Map<string, Map<string, [string, string]>>> {
  const state = await reader.stateAt(now);
  const types = new Map<string, Map<string, [string, string]>>();
  for (const { ref, blob } of state.objects.values()) {
    const key = ref.group ? `${ref.resource}.${ref.group}` : ref.resource;
    const objects = types.get(key) ?? new Map<string, [string, string]>();
    types.set(key, objects);
    objects.set(nameKey(ref.name, ref.namespace), [ref.uid, blob]);
  }
  return types;
}

async function streamed(reader: JournalReader, now: number): Promise<Map<string, Map<string, [string, string]>>> {
  const base = await loadJournalBase(reader, now);
  return new Map(
    [...base.types].map(([type, table]) => [
      type,
      new Map([...table].map(([key, seen]) => [key, [seen.uid, seen.blob] as [string, string]])),
    ]),
  );
}

/**
 * Changes of 24 objects of two types over `ms` from `from`: sets and deletions, uids that change
 * (re-creations), deletions naming the current uid, another one, or "", some objects with uid "";
 * times often equal. Each change goes to one of two writers, so their segments overlap.
 */
function churn(seed: number, from: number, ms: number, count: number): ChangeInput[] {
  const next = random(seed);
  const uids = new Map<string, string>();
  const changes: ChangeInput[] = [];
  for (let i = 0; i < count; i++) {
    const type = TYPES[Math.floor(next() * TYPES.length)] as (typeof TYPES)[number];
    const name = `o${Math.floor(next() * 12)}`;
    const id = `${type.resource}/${name}`;
    if (!uids.has(id) || next() < 0.1) uids.set(id, name === "o0" ? "" : randomUUID());
    const pick = next();
    const uid =
      pick < 0.7 ? (uids.get(id) as string) : pick < 0.85 ? randomUUID() : pick < 0.95 ? "" : (uids.get(id) as string);
    const ref: ObjectRef = { ...type, namespace: "shop", name, uid };
    const time = from + Math.floor(next() * (ms / 50)) * 50;
    const deleted = next() < 0.3;
    const data = Buffer.from(`${id} ${i % 5}\n`);
    changes.push(
      deleted
        ? { time, kind: "deleted", ref, resourceVersion: `${i}` }
        : {
            time,
            kind: next() < 0.5 ? "added" : "modified",
            ref: { ...ref, uid: uids.get(id) as string },
            resourceVersion: `${i}`,
            data,
          },
    );
  }
  return changes;
}

/** Journals `changes` through two writers (by a coin each), each in its own order, flushing every few records. */
async function journal(store: LocalObjectStore, keys: Format2Keys | null, changes: ChangeInput[], seed: number) {
  const next = random(seed);
  const writers = [3, 5].map(
    (flushEveryChanges) => new JournalWriter({ store, keys, scope: SCOPE, flushEveryChanges, flushEveryMs: 600_000 }),
  );
  for (const change of changes) await (writers[next() < 0.5 ? 0 : 1] as JournalWriter).append(change);
  for (const writer of writers) await writer.close();
}

describe("loadJournalBase", () => {
  it.each([1, 2, 3, 4, 5, 6])(
    "gives stateAt's objects from overlapping, out-of-order segments (seed %i)",
    async (seed) => {
      const store = await newStore();
      const changes = churn(seed, T0, 20_000, 300);
      await journal(store, null, changes, seed);
      const reader = new JournalReader({ store, keys: null, scope: SCOPE });
      const segments = await reader.listSegments();
      expect(segments.length).toBeGreaterThan(40);
      // The writers' segments overlap in time: some segment starts before the one listed before it ends.
      expect(segments.some((s, i) => i > 0 && s.start < (segments[i - 1]?.end ?? 0))).toBe(true);
      for (const now of [T0 + 5_000, T0 + 12_345, T0 + 30_000]) {
        const expected = await oracle(reader, now);
        expect([...expected.values()].reduce((n, m) => n + m.size, 0)).toBeGreaterThan(0);
        expect(await streamed(reader, now)).toEqual(expected);
      }
    },
  );

  it("gives stateAt's objects over an anchor snapshot, changes during its run replayed again", async () => {
    const store = await newStore();
    const anchorTime = T0 + 10_000;
    const before = churn(11, T0, 10_000, 150);
    const after = churn(12, anchorTime - 2_000, 10_000, 150); // some during the snapshot's run, before its start
    await journal(store, null, [...before, ...after], 11);
    // The anchor holds the objects as stateAt saw them at its start.
    const reader = new JournalReader({ store, keys: null, scope: SCOPE });
    const atAnchor = await reader.stateAt(anchorTime);
    const { index } = await loadBlobIndex({ store, keys: null });
    const input = [...atAnchor.objects.values()].map(({ ref }) => {
      const data = Buffer.from(`anchor ${ref.resource}/${ref.name}\n`);
      return {
        record: { ...ref, kind: "Object", sha256: createHash("sha256").update(data).digest("hex"), bytes: data.length },
        data,
      };
    });
    await writeSnapshotV2(
      { store, keys: null, index },
      {
        id: "20261201T100010Z-0a0a0a0a",
        time: new Date(anchorTime).toISOString(),
        completedAt: new Date(anchorTime + 1000).toISOString(),
        source: { kind: "cli" },
        cluster: { version: "v1.34.0" },
        scope: SCOPE.scope,
        params: SCOPE.params,
        warnings: [],
      },
      input,
    );
    for (const now of [anchorTime + 1000, anchorTime + 4_321, anchorTime + 20_000]) {
      const expected = await oracle(reader, now);
      expect((await reader.stateAt(now)).anchor?.time).toBe(anchorTime);
      expect(await streamed(reader, now)).toEqual(expected);
    }
  });
});
