import type { DumpProgress } from "@kubedump/dump";
import { humanBytes } from "./format.js";

export interface ProgressReporter<P = DumpProgress> {
  update(p: P): void;
  done(): void;
}

const PLAIN_INTERVAL_MS = 5_000;
const TTY_INTERVAL_MS = 100;

/** `backup`'s progress: resource types, objects, bytes and rate. */
export function createProgressReporter(stream: NodeJS.WriteStream = process.stderr, now = Date.now): ProgressReporter {
  return createLiveLine<DumpProgress>(
    (p, secs) => {
      const rate = secs > 0 ? Math.round(p.objects / secs) : 0;
      return `${p.resourcesDone}/${p.resourcesTotal} resource types, ${p.objects} objects, ${humanBytes(p.bytes)}, ${rate} objects/s${p.resource ? ` — ${p.resource}` : ""}`;
    },
    stream,
    now,
  );
}

/**
 * A live line on a terminal (redrawn at most every 100 ms); a plain log line every few seconds
 * otherwise. `text` gets the progress and the seconds since the start.
 */
export function createLiveLine<P>(
  text: (p: P, secs: number) => string,
  stream: NodeJS.WriteStream = process.stderr,
  now = Date.now,
): ProgressReporter<P> {
  const tty = stream.isTTY === true;
  const started = now();
  let last = tty ? 0 : started;
  let shown = false;
  return {
    update(p) {
      const t = now();
      if (t - last < (tty ? TTY_INTERVAL_MS : PLAIN_INTERVAL_MS)) return;
      last = t;
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
