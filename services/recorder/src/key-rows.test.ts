// KeyRows (the object table's keys, off V8's heap) against a Map doing the same: inserts,
// removals in the middle of probe runs, reuse of rows, compaction of the key text, and keys of
// every shape a Kubernetes name may take.
import { describe, expect, it } from "vitest";
import { KeyRows } from "./key-rows.js";

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every key of `model` found at its row, every row's key read back, and nothing else found. */
function expectSame(keys: KeyRows, model: Map<string, number>, absent: string[]): void {
  expect(keys.size).toBe(model.size);
  const wrong: string[] = [];
  for (const [key, row] of model)
    if (keys.find(key) !== row || keys.keyOf(row) !== key) wrong.push(`${key} at row ${row}: ${keys.find(key)}`);
  for (const key of absent) if (!model.has(key) && keys.find(key) !== -1) wrong.push(`${key} found, not held`);
  expect(wrong).toEqual([]);
}

describe("KeyRows", () => {
  it("matches a Map through 30,000 random inserts and removals, rows reused", () => {
    const random = rng(7);
    const keys = new KeyRows();
    const model = new Map<string, number>();
    const free: number[] = [];
    let nextRow = 0;
    const names = Array.from({ length: 4000 }, (_, i) => `ns-${i % 17}/object-${i}`);
    for (let op = 0; op < 30_000; op++) {
      const key = names[Math.floor(random() * names.length)] as string;
      const row = model.get(key);
      if (row === undefined) {
        const given = free.pop() ?? nextRow++;
        keys.insert(key, given);
        model.set(key, given);
      } else {
        expect(keys.remove(key)).toBe(row);
        expect(keys.has(row)).toBe(false);
        model.delete(key);
        free.push(row);
      }
      if (op % 5000 === 0) expectSame(keys, model, names);
    }
    expectSame(keys, model, names);
    expect(keys.remove("ns-0/never-there")).toBe(-1);
  });

  it("keeps every key through the compaction of freed key text", () => {
    const keys = new KeyRows();
    const model = new Map<string, number>();
    // Long keys, each replaced by another of its row: the text fills with freed keys and is compacted.
    for (let round = 0; round < 50; round++)
      for (let row = 0; row < 200; row++) {
        const old = `ns/${"x".repeat(40)}-${row}-round-${round - 1}`;
        if (round > 0) expect(keys.remove(old)).toBe(row);
        const key = `ns/${"x".repeat(40)}-${row}-round-${round}`;
        keys.insert(key, row);
        model.set(key, row);
        model.delete(old);
      }
    expectSame(keys, model, [`ns/${"x".repeat(40)}-3-round-48`]);
  });

  it.each([
    ["a cluster-scoped name", "cluster-admin"],
    ["a name with colons", "system:controller:job-controller"],
    ["a name in another script", "ns/名前-données"],
    ["an emoji (a surrogate pair)", "ns/\u{1F600}"],
    ["a name of 1,000 characters", `ns/${"n".repeat(1000)}`],
    ["the empty key", ""],
  ])("gives back %s", (_, key) => {
    const keys = new KeyRows();
    keys.insert("ns/other", 0);
    keys.insert(key, 5);
    expect(keys.find(key)).toBe(5);
    expect(keys.keyOf(5)).toBe(key);
    expect(keys.find(`${key}x`)).toBe(-1);
    expect(keys.find("ns/other")).toBe(0);
  });

  it("refuses a key with a lone surrogate, which UTF-8 cannot tell from another", () => {
    const keys = new KeyRows();
    expect(() => keys.insert("ns/a\uD800", 0)).toThrow(/ns\/a.*not well-formed/);
    expect(keys.size).toBe(0);
  });

  it("forgets everything on clear and takes keys again", () => {
    const keys = new KeyRows();
    for (let row = 0; row < 300; row++) keys.insert(`k-${row}`, row);
    keys.clear();
    expect(keys.size).toBe(0);
    expect(keys.find("k-1")).toBe(-1);
    expect(keys.has(1)).toBe(false);
    keys.insert("k-1", 0);
    expect(keys.find("k-1")).toBe(0);
  });
});
