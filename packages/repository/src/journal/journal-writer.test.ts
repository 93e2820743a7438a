// JournalWriter on a local directory: when segments are written, YAML stored once, a failed or
// refused flush leaving no segment and keeping its records, bad input named.
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, inject, it } from "vitest";
import { blobId } from "../format2/keys.js";
import { acquireLock, LockConflictError } from "../format2/lock.js";
import { storedDataBlobs, testStores } from "../format2/test-support.js";
import type { ObjectStore } from "../stores/object-store.js";
import { collect, wrapStore } from "../test-support.js";
import { JournalReader } from "./journal-reader.js";
import { type ChangeInput, JournalBacklogError, JournalWriter, type JournalWriterOptions } from "./journal-writer.js";
import { Churn, SCOPE, T0 } from "./test-support.js";

const { localStore: newStore } = testStores(inject("testenv"), "kubedump-journal", "writer");

/** `count` modifications of the churn's objects, one a second from T0. */
function changes(count: number): ChangeInput[] {
  const churn = new Churn(4);
  for (let i = 0; i < count; i++) churn.modify(T0 + i * 1000, `web-${i % 4}`);
  return churn.events.flatMap((e) => ("change" in e ? [e.change] : []));
}

function writer(store: ObjectStore, options: Partial<JournalWriterOptions> = {}): JournalWriter {
  return new JournalWriter({ store, keys: null, scope: SCOPE, flushEveryMs: 60_000, ...options });
}

const segments = (store: ObjectStore) => collect(store.list("journal/"));
const read = (store: ObjectStore) => new JournalReader({ store, keys: null, scope: SCOPE }).slice();

describe("JournalWriter", () => {
  it("writes a segment every M changes and on close, telling onSegment of each; close twice is fine", async () => {
    const store = newStore();
    const told: string[] = [];
    const journal = writer(store, { flushEveryChanges: 3, onSegment: (segment) => told.push(segment.key) });
    for (const change of changes(7)) await journal.append(change);
    expect(await segments(store)).toHaveLength(2);
    await journal.close();
    await journal.close();
    const stored = await segments(store);
    expect(stored).toHaveLength(3);
    expect(told.sort()).toEqual(stored.map((s) => s.key).sort());
    const { changes: back } = await read(store);
    expect(back.map((c) => c.time)).toEqual(changes(7).map((c) => c.time));
    await expect(journal.append(changes(1)[0] as ChangeInput)).rejects.toThrow(/closed/);
  });

  it("tells the time of the oldest record not yet in a stored segment, none once flushed", async () => {
    const journal = writer(newStore(), { flushEveryChanges: 100 });
    expect(journal.oldestUnstored()).toBeUndefined();
    const [first, second] = changes(2) as [ChangeInput, ChangeInput];
    await journal.append(first);
    await journal.append(second);
    expect(journal.oldestUnstored()).toBe(first.time);
    const flushing = journal.flush();
    expect(journal.oldestUnstored()).toBe(first.time);
    await flushing;
    expect(journal.oldestUnstored()).toBeUndefined();
    await journal.close();
  });

  it("writes a segment after N ms without more changes", async () => {
    const store = newStore();
    const journal = writer(store, { flushEveryMs: 50 });
    await journal.append(changes(1)[0] as ChangeInput);
    expect(await segments(store)).toHaveLength(0);
    for (let i = 0; i < 100 && (await segments(store)).length === 0; i++) await sleep(20);
    expect(await segments(store)).toHaveLength(1);
    await journal.close();
    expect(await segments(store)).toHaveLength(1);
  });

  it("stores a YAML once however many changes and segments name it", async () => {
    const store = newStore();
    const journal = writer(store, { flushEveryChanges: 2 });
    const [first] = changes(1) as [ChangeInput];
    for (let i = 0; i < 5; i++) await journal.append({ ...first, time: T0 + i, resourceVersion: `${i}` });
    await journal.close();
    expect(await storedDataBlobs(store, null)).toEqual(new Set([blobId(null, first.data as Buffer)]));
    const { changes: back } = await read(store);
    expect(new Set(back.map((c) => c.blob))).toEqual(new Set([blobId(null, first.data as Buffer)]));
  });

  it.each([
    ["the segment's put", "journal/"],
    ["the index file's put", "index/"],
  ])("a crash at %s leaves no segment; the next flush writes the records", async (_, prefix) => {
    const inner = newStore();
    let failing = true;
    const store = wrapStore(inner, {
      put: async (key, body) => {
        if (failing && key.startsWith(prefix)) throw new Error(`store down writing ${key}`);
        await inner.put(key, body);
      },
    });
    const journal = writer(store);
    for (const change of changes(4)) await journal.append(change);
    await expect(journal.flush()).rejects.toThrow(/store down/);
    expect(await segments(inner)).toEqual([]);
    expect(await collect(inner.list("locks/"))).toEqual([]);
    failing = false;
    const segment = await journal.flush();
    expect(segment?.key).toMatch(/^journal\/[0-9a-f]{64}\/\d{15}-\d{15}-[0-9a-f]{64}$/);
    const { changes: back } = await read(inner);
    expect(back).toHaveLength(4);
    const reader = new JournalReader({ store: inner, keys: null, scope: SCOPE });
    for (const [i, change] of changes(4).entries())
      expect(await reader.readBlob(back[i]?.blob ?? "")).toEqual(change.data);
  });

  it("while flushes fail, appends wait for the timer, then refuse once the backlog is full", async () => {
    const inner = newStore();
    let [failing, attempts] = [true, 0];
    const store = wrapStore(inner, {
      put: async (key, body) => {
        if (key.startsWith("journal/")) attempts += 1;
        if (failing && key.startsWith("journal/")) throw new Error("store down");
        await inner.put(key, body);
      },
    });
    const journal = writer(store, { flushEveryChanges: 2 });
    const [first, second, ...rest] = changes(10) as [ChangeInput, ChangeInput, ...ChangeInput[]];
    await journal.append(first);
    await expect(journal.append(second)).rejects.toThrow(/store down/);
    for (const change of rest.slice(0, 6)) await journal.append(change); // 8 = BACKLOG_FACTOR × 2 wait
    expect(attempts).toBe(1);
    await expect(journal.append(rest[6] as ChangeInput)).rejects.toThrow(JournalBacklogError);
    failing = false;
    await journal.close();
    expect((await read(inner)).changes.map((c) => c.time)).toEqual(changes(8).map((c) => c.time));
  });

  it("waits for a prune: a flush refused by the exclusive lock keeps its records", async () => {
    const store = newStore();
    const prune = await acquireLock({ store, kind: "exclusive", holder: "prune" });
    const journal = writer(store);
    for (const change of changes(3)) await journal.append(change);
    await expect(journal.flush()).rejects.toThrow(LockConflictError);
    expect(await segments(store)).toEqual([]);
    await prune.release();
    await journal.close();
    expect((await read(store)).changes).toHaveLength(3);
  });

  it.each([
    ["an added change without YAML", { data: undefined }, /added deployments.apps shop\/web-0: data is required/],
    ["a negative time", { time: -1 }, /web-0: time -1 is not ms since the epoch/],
    ["an unknown kind", { kind: "patched" }, /web-0: kind "patched" is not added, modified or deleted/],
    ["an empty name", { ref: { group: "", version: "v1", resource: "pods", name: "", uid: "u" } }, /must not be empty/],
  ])("refuses %s, naming the object", async (_, patch, message) => {
    const change = { ...(changes(1)[0] as ChangeInput), kind: "added", ...patch } as ChangeInput;
    await expect(writer(newStore()).append(change)).rejects.toThrow(message);
  });

  it("refuses a gap that ends before it starts", async () => {
    await expect(writer(newStore()).appendGap({ from: T0 + 1, to: T0, reason: "restart" })).rejects.toThrow(
      /to .* is before from/,
    );
  });
});
