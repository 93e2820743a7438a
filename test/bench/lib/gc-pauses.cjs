// The main thread's GC pauses, counted from now (a PerformanceObserver of "gc" entries): their
// seconds and how many of each kind (perf_hooks' NODE_PERFORMANCE_GC_* kinds). CommonJS, so that
// the preload main-thread-cpu.cjs and the ESM measurement children share it.
const { constants, PerformanceObserver } = require("node:perf_hooks");

const KINDS = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: "minor",
  [constants.NODE_PERFORMANCE_GC_MAJOR]: "major",
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: "incremental",
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: "weakcb",
};

/** Starts counting; `stop()` ends it. `seconds` and `kinds` are read at any time. */
function gcPauses() {
  const pauses = { seconds: 0, kinds: {}, stop: () => observer.disconnect() };
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      pauses.seconds += e.duration / 1000;
      const kind = KINDS[e.detail?.kind] ?? "other";
      pauses.kinds[kind] = (pauses.kinds[kind] ?? 0) + 1;
    }
  });
  observer.observe({ entryTypes: ["gc"] });
  return pauses;
}

module.exports = { gcPauses };
