// The CLI's entry as bundled (scripts/bundle.mjs): V8's JIT settings go in before any of
// kubedump's code runs (changed while a function is being optimized on V8's background thread,
// they can fail one of its checks and kill the process), so the rest is imported after them.
import { tuneV8ForDumps } from "@kubedump/dump/v8-tuning";

tuneV8ForDumps();
// A restore holds the snapshot's index while it writes: a smaller heap growth step keeps its
// peak RSS down (docs/benchmarks.md, restore).
if (process.argv.slice(2).find((a) => !a.startsWith("-")) === "restore") {
  const { tuneV8ForRestores } = await import("@kubedump/restore/v8-tuning");
  tuneV8ForRestores();
}
await import("./main.js");
