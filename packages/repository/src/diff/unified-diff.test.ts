import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { diffLines, unifiedDiff } from "./unified-diff.js";

const lines = (...l: string[]) => l.map((s) => `${s}\n`).join("");

/** Length of a longest common subsequence of lines, by dynamic programming: the yardstick for Myers. */
function lcs(a: string[], b: string[]): number {
  const row = new Array<number>(b.length + 1).fill(0);
  for (const x of a) {
    let diagonal = 0;
    b.forEach((y, j) => {
      const up = row[j + 1] as number;
      row[j + 1] = x === y ? diagonal + 1 : Math.max(up, row[j] as number);
      diagonal = up;
    });
  }
  return row[b.length] as number;
}

describe("unifiedDiff", () => {
  it("is empty for equal texts", () => {
    expect(unifiedDiff(lines("a", "b"), lines("a", "b"))).toBe("");
  });

  it("prints one hunk with three lines of context, as diff -u does", () => {
    const before = lines("1", "2", "3", "4", "5", "6", "7", "8", "9");
    const after = lines("1", "2", "3", "4", "five", "6", "7", "8", "9");
    expect(unifiedDiff(before, after, { from: "a/x.yaml", to: "b/x.yaml" })).toBe(
      "--- a/x.yaml\n+++ b/x.yaml\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n",
    );
  });

  it("splits distant changes into hunks and merges near ones", () => {
    const before = lines(..."abcdefghijklmnopqrst");
    const after = lines(..."Abcdefghijklmnopqrs");
    expect(unifiedDiff(before, after, { context: 1 })).toBe(
      "--- a\n+++ b\n@@ -1,2 +1,2 @@\n-a\n+A\n b\n@@ -19,2 +19,1 @@\n s\n-t\n",
    );
    expect(unifiedDiff(lines("a", "b", "c"), lines("A", "b", "C"), { context: 1 })).toBe(
      "--- a\n+++ b\n@@ -1,3 +1,3 @@\n-a\n+A\n b\n-c\n+C\n",
    );
  });

  it("numbers an empty side as diff -u does", () => {
    expect(unifiedDiff("", lines("x", "y"))).toBe("--- a\n+++ b\n@@ -0,0 +1,2 @@\n+x\n+y\n");
    expect(unifiedDiff(lines("x"), "")).toBe("--- a\n+++ b\n@@ -1,1 +0,0 @@\n-x\n");
  });

  it("marks a last line without a newline", () => {
    expect(unifiedDiff("a\n", "a")).toBe("--- a\n+++ b\n@@ -1,1 +1,1 @@\n-a\n+a\n\\ No newline at end of file\n");
  });
});

describe("diffLines", () => {
  const text = fc.array(fc.constantFrom("a", "b", "c", "d"), { maxLength: 30 }).map((l) => lines(...l));

  it("rebuilds both texts and keeps a longest common subsequence", () => {
    fc.assert(
      fc.property(text, text, (before, after) => {
        const script = diffLines(before, after);
        const side = (leftOut: string) =>
          script
            .filter((l) => l.op !== leftOut)
            .map((l) => l.text)
            .join("");
        expect([side("+"), side("-")]).toEqual([before, after]);
        const kept = script.filter((l) => l.op === " ").length;
        expect(kept).toBe(lcs(before.split("\n").slice(0, -1), after.split("\n").slice(0, -1)));
      }),
      { numRuns: 300 },
    );
  });

  it("replaces the middle wholesale past its edit bound, and stays right", () => {
    const before = lines(...Array.from({ length: 3000 }, (_, i) => `a${i}`));
    const after = lines(...Array.from({ length: 3000 }, (_, i) => `b${i}`));
    const script = diffLines(before, after);
    expect(script.filter((l) => l.op === "-")).toHaveLength(3000);
    expect(script.filter((l) => l.op === "+")).toHaveLength(3000);
  });
});
