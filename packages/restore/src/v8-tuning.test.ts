import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const MODULE = fileURLToPath(new URL("../dist/v8-tuning.js", import.meta.url));

describe("tuneV8ForRestores", () => {
  it("sets flags this Node's V8 knows (it would print an error for an unknown one) and leaves the process working", () => {
    const script = `const m = await import(${JSON.stringify(MODULE)}); m.tuneV8ForRestores(); m.tuneV8ForRestores();
      const kept = []; for (let i = 0; i < 3e5; i++) { const o = { i, s: "x" + i }; if (i % 3 === 0) kept.push(o); }
      console.log(kept.length);`;
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe("100000");
  });
});
