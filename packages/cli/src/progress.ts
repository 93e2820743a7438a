import type { DumpProgress } from "@kubedump/dump";
import { humanBytes } from "./format.js";

export interface ProgressReporter {
  update(p: DumpProgress): void;
  done(): void;
}

const PLAIN_INTERVAL_MS = 5_000;
const TTY_INTERVAL_MS = 100;

/** A live line on a terminal; a plain log line every few seconds otherwise. */
export function createProgressReporter(stream: NodeJS.WriteStream = process.stderr, now = Date.now): ProgressReporter {
  const tty = stream.isTTY === true;
  const started = now();
  let last = tty ? 0 : started;
  let shown = false;
  const text = (p: DumpProgress) => {
    const secs = (now() - started) / 1000;
    const rate = secs > 0 ? Math.round(p.objects / secs) : 0;
    return `${p.resourcesDone}/${p.resourcesTotal} resource types, ${p.objects} objects, ${humanBytes(p.bytes)}, ${rate} objects/s${p.resource ? ` — ${p.resource}` : ""}`;
  };
  return {
    update(p) {
      const t = now();
      if (t - last < (tty ? TTY_INTERVAL_MS : PLAIN_INTERVAL_MS)) return;
      last = t;
      if (tty) {
        stream.write(`\r\x1b[2K${text(p)}`);
        shown = true;
      } else stream.write(`progress: ${text(p)}\n`);
    },
    done() {
      if (tty && shown) stream.write("\r\x1b[2K");
    },
  };
}
