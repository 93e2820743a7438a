import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { IdSet } from "./id-set.js";

const idOf = (n: number) => createHash("sha256").update(`blob ${n}`).digest("hex");

describe("IdSet", () => {
  it("adds each id once, through many doublings of its table, as a Set of the strings would", () => {
    const set = new IdSet();
    const strings = new Set<string>();
    for (let n = 0; n < 20_000; n++) {
      const id = idOf(n % 15_000); // the last 5,000 given again
      expect(set.add(id)).toBe(!strings.has(id));
      strings.add(id);
    }
    expect(set.size).toBe(15_000);
    for (let n = 0; n < 15_000; n++) expect(set.add(idOf(n))).toBe(false);
    expect(set.add(idOf(15_000))).toBe(true);
  });

  it("tells ids apart that share their first bytes (one slot, probed on)", () => {
    const set = new IdSet();
    const base = "ab".repeat(31);
    for (const tail of ["00", "01", "ff"]) expect(set.add(base + tail)).toBe(true);
    for (const tail of ["00", "01", "ff"]) expect(set.add(base + tail)).toBe(false);
    expect(set.add(`${"ab".repeat(4)}${"cd".repeat(28)}`)).toBe(true);
    expect(set.size).toBe(4);
  });

  it("refuses what is not 64 hex digits, naming it, and keeps what it holds", () => {
    const set = new IdSet();
    set.add(idOf(1));
    expect(() => set.add("abc")).toThrow(/blob id "abc": not 64 hex digits/);
    expect(() => set.add(`${"zz".repeat(32)}`)).toThrow(/not 64 hex digits/);
    expect(() => set.add(`${idOf(2).slice(0, 63)}g`)).toThrow(/not 64 hex digits/);
    expect(set.size).toBe(1);
    expect(set.add(idOf(1))).toBe(false);
  });
});
