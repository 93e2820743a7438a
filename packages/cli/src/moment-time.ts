import { UsageError } from "./target.js";

/** RFC 3339 with a zone (Z or ±hh:mm), seconds and fractions optional; a space may stand for the T. */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?([Zz]|[+-]\d{2}:\d{2})$/;
/** The same without a zone: named in the error, never guessed. */
const ZONELESS = /^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$/;
/** `-15m`, `15m ago`, `2h ago`, `1d12h ago`, `90s ago`. */
const RELATIVE = /^(?:-((?:\d+[smhd])+)|((?:\d+[smhd])+) ago)$/;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

const FORMS =
  'RFC 3339 with a zone ("2026-11-26T02:00:00Z", "2026-11-26T03:00:00+01:00") or a time ago ("-15m", "2h ago")';

/**
 * The moment `value` names, in ms since the epoch; a UsageError naming `flag` for a time without
 * a zone, one that cannot be read, or one after `now`.
 */
export function parseMoment(value: string, now: number, flag = "--at"): number {
  const text = value.trim();
  const relative = RELATIVE.exec(text);
  let time: number;
  if (relative) time = now - durationMs((relative[1] ?? relative[2]) as string);
  else if (ZONELESS.test(text))
    throw new UsageError(`${flag} "${value}": no time zone; add Z for UTC or an offset such as +01:00`);
  else {
    const match = RFC3339.exec(text);
    time = match ? Date.parse(text.replace(" ", "T")) : Number.NaN;
    if (!match || Number.isNaN(time) || !fieldsInRange(match)) throw new UsageError(`${flag} "${value}": not ${FORMS}`);
  }
  if (time > now)
    throw new UsageError(`${flag} "${value}": ${new Date(time).toISOString()} is in the future (now ${iso(now)})`);
  return time;
}

function durationMs(text: string): number {
  let ms = 0;
  for (const [, n, unit] of text.matchAll(/(\d+)([smhd])/g)) ms += Number(n) * (UNIT_MS[unit as string] as number);
  return ms;
}

/** Date.parse rolls 2026-02-30 over to March: the fields must be what they say. */
function fieldsInRange(match: RegExpExecArray): boolean {
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  const days = new Date(Date.UTC(y as number, mo as number, 0)).getUTCDate();
  return (
    (mo as number) >= 1 &&
    (mo as number) <= 12 &&
    (d as number) >= 1 &&
    (d as number) <= days &&
    (h as number) < 24 &&
    (mi as number) < 60 &&
    (Number.isNaN(s) || (s as number) < 60)
  );
}

export function iso(time: number): string {
  return new Date(time).toISOString();
}
