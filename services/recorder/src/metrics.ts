import { Counter, Gauge, type Registry } from "prom-client";

/** The recorder's own series on its /metrics, labelled by BackupConfiguration (`namespace`, `name`). */
export interface RecorderMetrics {
  /** Seconds since the oldest change seen but not yet in a stored segment (0: all stored). */
  lag: Gauge<"namespace" | "name">;
  /** Changes recorded (added, modified, deleted); its rate is changes per second. */
  changes: Counter<"namespace" | "name" | "kind">;
  /** Updates dropped because the sanitized YAML did not change (status-only, managedFields-only writes). */
  unchanged: Counter<"namespace" | "name">;
  /** Watches open now. */
  watches: Gauge<"namespace" | "name">;
  /** Relists of a resource type, by why: start, 410, restart, takeover or members (an application's objects moved). */
  relists: Counter<"namespace" | "name" | "reason">;
  /** Gaps recorded. */
  gaps: Counter<"namespace" | "name" | "reason">;
  /** Journal segments stored (each flush that had changes to write). */
  segments: Counter<"namespace" | "name">;
  /** Journal flushes that failed. */
  flushFailures: Counter<"namespace" | "name">;
}

/** Each recording configuration's lag now, read at every scrape. */
export type LagSource = () => { namespace: string; name: string; seconds: number }[];

export function createRecorderMetrics(registry: Registry, lags: LagSource): RecorderMetrics {
  const registers = [registry];
  return {
    lag: new Gauge({
      name: "kubedump_recorder_lag_seconds",
      help: "Seconds since the oldest change the recorder saw that is not yet in a journal segment (0: all stored)",
      labelNames: ["namespace", "name"],
      registers,
      collect() {
        this.reset();
        for (const { namespace, name, seconds } of lags()) this.set({ namespace, name }, seconds);
      },
    }),
    changes: new Counter({
      name: "kubedump_recorder_changes_total",
      help: "Changes recorded in the journal (its rate: changes per second)",
      labelNames: ["namespace", "name", "kind"],
      registers,
    }),
    unchanged: new Counter({
      name: "kubedump_recorder_unchanged_updates_total",
      help: "Updates dropped because the sanitized object did not change (status-only, managedFields-only writes)",
      labelNames: ["namespace", "name"],
      registers,
    }),
    watches: new Gauge({
      name: "kubedump_recorder_watches_open",
      help: "Watches the recorder holds open",
      labelNames: ["namespace", "name"],
      registers,
    }),
    relists: new Counter({
      name: "kubedump_recorder_relists_total",
      help: "Relists of a resource type, by reason (start, 410, restart, takeover, members)",
      labelNames: ["namespace", "name", "reason"],
      registers,
    }),
    gaps: new Counter({
      name: "kubedump_recorder_gaps_total",
      help: "Gaps recorded in the journal, by reason",
      labelNames: ["namespace", "name", "reason"],
      registers,
    }),
    segments: new Counter({
      name: "kubedump_recorder_segments_total",
      help: "Journal segments the recorder stored (one per flush with changes to write)",
      labelNames: ["namespace", "name"],
      registers,
    }),
    flushFailures: new Counter({
      name: "kubedump_recorder_flush_failures_total",
      help: "Journal flushes that failed (their changes wait for the next flush)",
      labelNames: ["namespace", "name"],
      registers,
    }),
  };
}
