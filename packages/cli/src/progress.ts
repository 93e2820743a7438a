import type { DumpProgress } from "@kubedump/dump";
import type { ReadProgress } from "@kubedump/repository/snapshot";
import { humanBytes } from "./format.js";

export interface ProgressReporter<P = DumpProgress> {
  update(p: P): void;
  done(): void;
}

export interface LiveLineOptions<P = unknown> {
  stream?: NodeJS.WriteStream;
  now?: () => number;
  /** Off a terminal: a plain line every few seconds (a backup's log), or nothing. @defaultValue "lines" */
  offTerminal?: "lines" | "quiet";
  /**
   * On a terminal, a progress whose stage differs from the last one drawn is drawn at once, whatever
   * the interval: each step of a restore shows, however fast the one before it went.
   */
  stage?: (p: P) => string;
}

const PLAIN_INTERVAL_MS = 5_000;
const TTY_INTERVAL_MS = 100;

/** `backup`'s progress: resource types, objects, bytes and rate. */
export function createProgressReporter(options: LiveLineOptions = {}): ProgressReporter {
  return createLiveLine<DumpProgress>((p, secs) => {
    const rate = secs > 0 ? Math.round(p.objects / secs) : 0;
    return `${p.resourcesDone}/${p.resourcesTotal} resource types, ${p.objects} objects, ${humanBytes(p.bytes)}, ${rate} objects/s${p.resource ? ` — ${p.resource}` : ""}`;
  }, options);
}

/** Nothing, for output that must stay clean. */
export function noProgress<P>(): ProgressReporter<P> {
  return { update() {}, done() {} };
}

/**
 * A snapshot read by `download` and `verify`: objects and bytes of the totals. On a terminal only,
 * and never with `-o json` or `-o yaml`.
 */
export function readProgressLine(
  verb: string,
  output?: string,
  options: LiveLineOptions = {},
): ProgressReporter<ReadProgress> {
  if (output === "json" || output === "yaml") return noProgress();
  return createLiveLine<ReadProgress>(
    (p) => {
      const percent = p.totalBytes > 0 ? Math.floor((100 * p.bytes) / p.totalBytes) : 100;
      return `${verb} ${p.objects}/${p.totalObjects} objects, ${humanBytes(p.bytes)} of ${humanBytes(p.totalBytes)} (${percent}%)`;
    },
    { offTerminal: "quiet", ...options },
  );
}

/**
 * A live line on a terminal (redrawn at most every 100 ms); off a terminal a plain log line every
 * few seconds, or nothing. `text` gets the progress and the seconds since the start.
 */
export function createLiveLine<P>(
  text: (p: P, secs: number) => string,
  { stream = process.stderr, now = Date.now, offTerminal = "lines", stage }: LiveLineOptions<P> = {},
): ProgressReporter<P> {
  let lastStage: string | undefined;
  const tty = stream.isTTY === true;
  if (!tty && offTerminal === "quiet") return noProgress();
  const started = now();
  let last = tty ? 0 : started;
  let shown = false;
  return {
    update(p) {
      const t = now();
      const current = tty ? stage?.(p) : undefined;
      const newStage = current !== undefined && current !== lastStage;
      if (!newStage && t - last < (tty ? TTY_INTERVAL_MS : PLAIN_INTERVAL_MS)) return;
      last = t;
      lastStage = current;
      const line = text(p, (t - started) / 1000);
      if (tty) {
        stream.write(`\r\x1b[2K${line}`);
        shown = true;
      } else stream.write(`progress: ${line}\n`);
    },
    done() {
      if (tty && shown) stream.write("\r\x1b[2K");
      shown = false;
    },
  };
}
