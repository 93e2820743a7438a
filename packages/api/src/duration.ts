import { z } from "zod";

const UNIT_MS = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
} as const;

/** A Go-style duration (`time.ParseDuration`) without a sign: `30m`, `1h30m`, `1.5s`. */
export const DURATION_PATTERN = /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/;

/** A duration string as written in specs; see DURATION_PATTERN. */
export const DurationSchema = z.string().regex(DURATION_PATTERN, {
  message: 'must be a duration such as "30s", "30m" or "1h30m" (units ns, us, ms, s, m, h)',
});

/** Milliseconds in a Go-style duration such as `1h30m`; throws RangeError on bad syntax. */
export function parseDuration(text: string): number {
  if (!DURATION_PATTERN.test(text)) throw new RangeError(`not a duration: "${text}"`);
  let ms = 0;
  for (const [, amount, , unit] of text.matchAll(/([0-9]+(\.[0-9]+)?)(ns|us|µs|ms|s|m|h)/g)) {
    ms += Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  }
  return ms;
}

/** Formats milliseconds the way Go prints a duration, rounded to the millisecond: `1h2m3.5s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`not a duration: ${ms} ms`);
  const rounded = Math.round(ms);
  if (rounded === 0) return "0s";
  if (rounded < 1000) return `${rounded}ms`;
  const h = Math.floor(rounded / 3_600_000);
  const m = Math.floor((rounded % 3_600_000) / 60_000);
  const s = (rounded % 60_000) / 1000;
  return `${h ? `${h}h` : ""}${h || m ? `${m}m` : ""}${s}s`;
}
