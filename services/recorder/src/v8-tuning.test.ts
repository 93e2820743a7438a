import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const MODULE = fileURLToPath(new URL("../dist/v8-tuning.js", import.meta.url));

/** The largest V8 heap of a process holding 200,000 small objects while it turns over garbage. */
function peakHeap(percent: number): number {
  const script = `const { tuneV8ForRecorder } = await import(${JSON.stringify(MODULE)});
    tuneV8ForRecorder(${percent});
    const live = []; for (let i = 0; i < 200000; i++) live.push({ name: "o" + i, row: [i, i + 1] });
    let peak = 0; const recent = [];
    for (let r = 0; r < 2000; r++) {
      recent.push(Array.from({ length: 1000 }, (_, i) => ({ yaml: "y" + i + "-" + r })));
      if (recent.length > 4) recent.shift();
      peak = Math.max(peak, process.memoryUsage().heapTotal);
    }
    console.log(peak, live.length);`;
  const run = spawnSync(process.execPath, ["--max-semi-space-size=1", "--input-type=module", "-e", script], {
    encoding: "utf8",
  });
  expect(run.stderr, "V8 knows the flag (it prints an error for one it does not)").toBe("");
  expect(run.status).toBe(0);
  const [peak, live] = run.stdout.trim().split(" ").map(Number);
  expect(live).toBe(200000);
  return peak ?? 0;
}

describe("tuneV8ForRecorder", () => {
  it("makes V8 collect the old generation before it grows to several times what lives in it", () => {
    const own = peakHeap(0);
    const tuned = peakHeap(20);
    expect(tuned).toBeGreaterThan(0);
    expect(tuned, `peak heap ${tuned} with 20 %, ${own} with V8's own factor`).toBeLessThan(own * 0.7);
  });
});
