import type { ChangeInput, GapReason, JournalGap, JournalWriter } from "@kubedump/repository/journal";
import type { RecorderMetrics } from "./metrics.js";
import type { ChangeSink, RelistReason } from "./type-recorder.js";

export interface JournalSinkOptions {
  writer: JournalWriter;
  metrics: RecorderMetrics;
  /** The configuration's labels on every series. */
  labels: { namespace: string; name: string };
  /** Told of every gap recorded (the status shows the latest). */
  onGap(gap: JournalGap): void;
}

/** The journal writer of one configuration, as its type recorders see it, counting what goes through. */
export class JournalSink implements ChangeSink {
  constructor(private readonly options: JournalSinkOptions) {}

  async append(change: ChangeInput): Promise<void> {
    const { writer, metrics, labels } = this.options;
    await writer.append(change);
    metrics.changes.inc({ ...labels, kind: change.kind });
  }

  async gap(from: number, to: number, reason: GapReason): Promise<void> {
    const { writer, metrics, labels } = this.options;
    await writer.appendGap({ from, to, reason });
    metrics.gaps.inc({ ...labels, reason });
    this.options.onGap({ from, to, reason });
  }

  unchanged(): void {
    this.options.metrics.unchanged.inc(this.options.labels);
  }

  relisted(reason: RelistReason): void {
    this.options.metrics.relists.inc({ ...this.options.labels, reason });
  }

  watchOpened(delta: 1 | -1): void {
    this.options.metrics.watches.inc(this.options.labels, delta);
  }

  /** Seconds since the oldest change not yet in a stored segment, at `now` (0: all stored). */
  lagSeconds(now: number): number {
    const oldest = this.options.writer.oldestUnstored();
    return oldest === undefined ? 0 : Math.max(0, now - oldest) / 1000;
  }
}
