import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const MODULE = fileURLToPath(new URL("../dist/v8-tuning.js", import.meta.url));

/** The growing factors V8 printed for the old generation's limits in a process tuned with `percent`. */
function growingFactors(percent: number): string[] {
  const script = `const { tuneV8ForRecorder } = await import(${JSON.stringify(MODULE)});
    tuneV8ForRecorder(${percent});
    const live = []; for (let i = 0; i < 1000000; i++) live.push({ name: "o" + i });
    console.log("live objects: " + live.length);`;
  const run = spawnSync(process.execPath, ["--trace-gc-verbose", "--input-type=module", "-e", script], {
    encoding: "utf8",
  });
  expect(run.stderr, "V8 knows the flag (it prints an error for one it does not)").toBe("");
  expect(run.status).toBe(0);
  // V8's own trace lines (its exit line "Total time spent in GC" among them) share stdout with the
  // script's, in no set order, so the script's line is found by its own words, not by place.
  expect(run.stdout.split("\n")).toContain("live objects: 1000000");
  return [...run.stdout.matchAll(/\[HeapController\] Limit: .*\((\d+\.\d+)\)$/gm)].map((m) => m[1] ?? "");
}

describe("tuneV8ForRecorder", () => {
  it.each([
    [20, "1.2"],
    [50, "1.5"],
  ])("makes V8 set every old-generation limit %i %% above what survived", (percent, factor) => {
    const factors = growingFactors(percent);
    expect(factors.length).toBeGreaterThan(0);
    expect(new Set(factors)).toEqual(new Set([factor]));
  });

  it("leaves V8's own factor with 0", () => {
    const factors = growingFactors(0);
    expect(factors.length).toBeGreaterThan(0);
    expect(factors.some((f) => f !== "1.2")).toBe(true);
  });
});
