import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { IdTable, idBytesOf } from "./id-table.js";

const idOf = (n: number) => createHash("sha256").update(`blob ${n}`).digest();

describe("IdTable", () => {
  it("numbers ids in the order added and finds each by its number, through many doublings", () => {
    const table = new IdTable();
    for (let n = 0; n < 20_000; n++) expect(table.add(idOf(n))).toBe(n);
    expect(table.size).toBe(20_000);
    for (let n = 0; n < 20_000; n++) {
      expect(table.find(idOf(n))).toBe(n);
      expect(table.add(idOf(n))).toBe(-1); // there already: no new number
    }
    expect(table.find(idOf(20_000))).toBe(-1);
    expect(table.size).toBe(20_000);
  });

  it("reads an id at an offset of a larger buffer, and none that runs past its end", () => {
    const table = new IdTable();
    const bytes = Buffer.concat([Buffer.from([1, 2, 3]), idOf(7), idOf(8)]);
    expect(table.add(bytes, 3)).toBe(0);
    expect(table.add(bytes, 35)).toBe(1);
    expect(table.find(idOf(7))).toBe(0);
    expect(table.find(bytes, 35)).toBe(1);
    expect(table.find(bytes, 36)).toBe(-1); // 31 bytes left
    expect(table.find(bytes, -1)).toBe(-1);
    expect(() => table.add(bytes, 36)).toThrow(/blob id at 36: not 32 bytes/);
    expect(table.size).toBe(2);
  });

  it("tells apart ids whose first word is the same (one slot, probed on), also after growing", () => {
    const table = new IdTable();
    const sharing = Array.from({ length: 3000 }, (_, n) => {
      const id = idOf(n);
      id.writeUInt32LE(0xabcdef01, 0);
      return id;
    });
    for (const [n, id] of sharing.entries()) expect(table.add(id)).toBe(n);
    for (const [n, id] of sharing.entries()) expect(table.find(id)).toBe(n);
    const other = idOf(0); // the same id but for its first word
    expect(table.find(other)).toBe(-1);
  });

  it("reserves room for many at once, keeping what it holds", () => {
    const table = new IdTable();
    for (let n = 0; n < 10; n++) table.add(idOf(n));
    table.reserve(50_000);
    for (let n = 0; n < 10; n++) expect(table.find(idOf(n))).toBe(n);
    expect(table.add(idOf(10))).toBe(10);
    table.reserve(5); // fewer than it holds: nothing changes
    expect(table.find(idOf(10))).toBe(10);
  });
});

describe("idBytesOf", () => {
  it("decodes 64 hex digits, either case, and refuses anything else, naming it", () => {
    const into = Buffer.alloc(32);
    const hex = idOf(1).toString("hex");
    expect(idBytesOf(hex, into).equals(idOf(1))).toBe(true);
    expect(idBytesOf(hex.toUpperCase(), into).equals(idOf(1))).toBe(true);
    expect(() => idBytesOf("abc", into)).toThrow(/blob id "abc": not 64 hex digits/);
    expect(() => idBytesOf(`${hex.slice(0, 63)}g`, into)).toThrow(/not 64 hex digits/);
    expect(() => idBytesOf(`${hex}00`, into)).toThrow(/not 64 hex digits/);
  });
});
