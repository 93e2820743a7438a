import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const MODULE = fileURLToPath(new URL("../dist/v8-tuning.js", import.meta.url));

describe("tuneV8ForDumps", () => {
  it("sets flags this Node's V8 knows (it would print an error for an unknown one) and leaves the process working", () => {
    const script = `const m = await import(${JSON.stringify(MODULE)}); m.tuneV8ForDumps(); m.tuneV8ForDumps();
      const f = (o) => o.a + o.b; let s = 0; for (let i = 0; i < 2e6; i++) s += f({ a: i, b: 1 }); console.log(s);`;
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe(String((2e6 * (2e6 - 1)) / 2 + 2e6));
  });
});
