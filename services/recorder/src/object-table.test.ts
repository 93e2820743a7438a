// The recorder's per-object table: what goes in comes out (uids of every form, whole blob ids),
// across growth, deletion and the reuse of rows, and iteration while deleting (a relist's sweep).
import { createHash, randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Seen } from "./object-change.js";
import { ObjectTable } from "./object-table.js";

const blobOf = (i: number) => createHash("sha256").update(`object ${i}`).digest("hex");
const seenOf = (i: number, pass = 1): Seen => ({ uid: randomUUID(), blob: blobOf(i), pass });

describe("ObjectTable", () => {
  it.each([
    ["a lowercase UUID", "0f8fad5b-d9cb-469f-a165-70867728950e"],
    ["no uid", ""],
    ["an uppercase UUID (kept as written)", "0F8FAD5B-D9CB-469F-A165-70867728950E"],
    ["a uid that is no UUID", "legacy-uid-42"],
    ["a UUID with a stray character", "0f8fad5b-d9cb-469f-a165-70867728950g"],
  ])("gives back %s", (_, uid) => {
    const table = new ObjectTable();
    table.set("ns/a", { uid, blob: blobOf(1), pass: 3 });
    expect(table.get("ns/a")).toEqual({ uid, blob: blobOf(1), pass: 3 });
  });

  it("keeps 5,000 objects through growth, each with its own uid, blob id and pass", () => {
    const table = new ObjectTable();
    const want = new Map<string, Seen>();
    for (let i = 0; i < 5000; i++) {
      const seen = seenOf(i, i % 7);
      want.set(`ns-${i % 13}/object-${i}`, seen);
      table.set(`ns-${i % 13}/object-${i}`, seen);
    }
    expect(table.size).toBe(5000);
    for (const [key, seen] of want) expect(table.get(key)).toEqual(seen);
    expect(new Map(table)).toEqual(want);
  });

  it("tells apart blob ids that differ only in their last byte (kept whole, not truncated)", () => {
    const table = new ObjectTable();
    const blob = blobOf(9);
    const other = `${blob.slice(0, 62)}${blob.endsWith("00") ? "01" : "00"}`;
    table.set("a", { uid: "", blob, pass: 0 });
    table.set("b", { uid: "", blob: other, pass: 0 });
    expect(table.get("a")?.blob).toBe(blob);
    expect(table.get("b")?.blob).toBe(other);
  });

  it("replaces what it holds of a key, and touch changes the uid and pass but not the blob id", () => {
    const table = new ObjectTable();
    table.set("ns/a", { uid: "old-uid", blob: blobOf(1), pass: 1 });
    const uid = randomUUID();
    table.set("ns/a", { uid, blob: blobOf(2), pass: 2 });
    expect(table.get("ns/a")).toEqual({ uid, blob: blobOf(2), pass: 2 });
    expect(table.touch("ns/a", "", 5)).toBe(true);
    expect(table.get("ns/a")).toEqual({ uid: "", blob: blobOf(2), pass: 5 });
    expect(table.touch("ns/missing", uid, 5)).toBe(false);
    expect(table.size).toBe(1);
  });

  it("reuses a deleted object's row without leaking its uid into the next object", () => {
    const table = new ObjectTable();
    table.set("ns/a", { uid: "not-a-uuid", blob: blobOf(1), pass: 1 });
    table.set("ns/b", seenOf(2));
    expect(table.delete("ns/a")).toEqual({ uid: "not-a-uuid", blob: blobOf(1), pass: 1 });
    expect(table.delete("ns/a")).toBeUndefined();
    const c = seenOf(3);
    table.set("ns/c", c);
    expect(table.get("ns/c")).toEqual(c);
    expect(table.get("ns/a")).toBeUndefined();
    expect([...table].map(([key]) => key).sort()).toEqual(["ns/b", "ns/c"]);
  });

  it("gives a relist's sweep the objects its pass did not see, each deleted as it is yielded", () => {
    const table = new ObjectTable();
    for (let i = 0; i < 100; i++) table.set(`ns/o-${i}`, seenOf(i, i % 2));
    table.touch("ns/o-0", "", 1);
    const swept: string[] = [];
    for (const [key, seen] of table.unseenIn(1)) {
      expect(seen.pass).toBe(0);
      table.delete(key);
      swept.push(key);
    }
    expect(swept).toHaveLength(49);
    expect(swept).not.toContain("ns/o-0");
    expect(table.size).toBe(51);
    expect([...table].every(([, seen]) => seen.pass === 1)).toBe(true);
  });

  it("starts again empty after clear, and grows again", () => {
    const table = new ObjectTable();
    for (let i = 0; i < 200; i++) table.set(`o-${i}`, seenOf(i));
    table.clear();
    expect(table.size).toBe(0);
    expect(table.get("o-1")).toBeUndefined();
    const seen = seenOf(500);
    for (let i = 0; i < 300; i++) table.set(`p-${i}`, i === 299 ? seen : seenOf(i));
    expect(table.size).toBe(300);
    expect(table.get("p-299")).toEqual(seen);
  });

  it("refuses a blob id that is not 64 lowercase hex digits, naming the object", () => {
    const table = new ObjectTable();
    expect(() => table.set("ns/a", { uid: "", blob: "abc", pass: 0 })).toThrow(/ns\/a: blob id "abc"/);
    expect(() => table.set("ns/a", { uid: "", blob: blobOf(1).toUpperCase(), pass: 0 })).toThrow(/ns\/a/);
    expect(table.size).toBe(0);
  });
});
