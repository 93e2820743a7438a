/**
 * Which snapshots a retention policy keeps, with restic's semantics (`restic forget --keep-*`):
 * snapshots are walked newest first; keepLast keeps the newest n; each period rule keeps the
 * newest snapshot of each of the last n periods that have a snapshot. A snapshot kept by any rule
 * stays. Periods are wall-clock periods in `timeZone`: a day is a calendar day there (23 or 25
 * hours across a daylight-saving change), an hour repeated when clocks go back is one period,
 * weeks are ISO weeks (Monday first). A policy with no rule above zero keeps everything.
 */
export interface RetentionRules {
  keepLast?: number;
  keepHourly?: number;
  keepDaily?: number;
  keepWeekly?: number;
  keepMonthly?: number;
  keepYearly?: number;
}

export type RetentionRule = keyof RetentionRules;

export interface RetentionCandidate {
  id: string;
  /** ISO time of the snapshot. */
  time: string;
}

export interface KeptSnapshot<T> {
  snapshot: T;
  /** The rules that keep it, e.g. `["keepLast", "keepDaily"]`. */
  reasons: RetentionRule[];
}

export interface RetentionOutcome<T> {
  /** Newest first. */
  keep: KeptSnapshot<T>[];
  /** Newest first. */
  remove: T[];
}

interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
}

type Bucket = (time: LocalTime, position: number) => string;

const RULES: [RetentionRule, Bucket][] = [
  ["keepLast", (_t, position) => String(position)],
  ["keepHourly", (t) => `${t.year}-${t.month}-${t.day}T${t.hour}`],
  ["keepDaily", (t) => `${t.year}-${t.month}-${t.day}`],
  ["keepWeekly", (t) => isoWeek(t)],
  ["keepMonthly", (t) => `${t.year}-${t.month}`],
  ["keepYearly", (t) => `${t.year}`],
];

/** `2026-W09`: ISO 8601 week-numbering year and week of a calendar date. */
function isoWeek({ year, month, day }: LocalTime): string {
  const date = new Date(Date.UTC(year, month - 1, day));
  const weekday = date.getUTCDay() || 7; // Monday 1 … Sunday 7
  date.setUTCDate(date.getUTCDate() + 4 - weekday); // the Thursday of this week decides the year
  const weekYear = date.getUTCFullYear();
  const week = Math.ceil(((date.getTime() - Date.UTC(weekYear, 0, 1)) / 86_400_000 + 1) / 7);
  return `${weekYear}-W${String(week).padStart(2, "0")}`;
}

/** Converts instants to wall-clock fields in one time zone; throws RangeError naming a bad zone. */
export function localTimeIn(timeZone: string): (instant: Date) => LocalTime {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
    });
  } catch (err) {
    throw new RangeError(`unknown time zone "${timeZone}"`, { cause: err });
  }
  return (instant) => {
    const parts = Object.fromEntries(format.formatToParts(instant).map((p) => [p.type, p.value]));
    return {
      year: Number(parts["year"]),
      month: Number(parts["month"]),
      day: Number(parts["day"]),
      hour: Number(parts["hour"]),
    };
  };
}

export function hasRules(rules: RetentionRules): boolean {
  return RULES.some(([rule]) => (rules[rule] ?? 0) > 0);
}

function checkRules(rules: RetentionRules): void {
  for (const [rule] of RULES) {
    const n = rules[rule];
    if (n !== undefined && (!Number.isInteger(n) || n < 0))
      throw new RangeError(`${rule} must be a whole number >= 0, got ${n}`);
  }
}

function newestFirst<T extends RetentionCandidate>(snapshots: T[]): { snapshot: T; at: Date }[] {
  const dated = snapshots.map((snapshot) => {
    const at = new Date(snapshot.time);
    if (Number.isNaN(at.getTime())) throw new RangeError(`snapshot ${snapshot.id}: invalid time "${snapshot.time}"`);
    return { snapshot, at };
  });
  return dated.sort((a, b) => b.at.getTime() - a.at.getTime() || (a.snapshot.id < b.snapshot.id ? 1 : -1));
}

export function applyRetention<T extends RetentionCandidate>(
  snapshots: T[],
  rules: RetentionRules,
  options: { timeZone?: string } = {},
): RetentionOutcome<T> {
  checkRules(rules);
  const sorted = newestFirst(snapshots);
  if (!hasRules(rules)) return { keep: sorted.map(({ snapshot }) => ({ snapshot, reasons: [] })), remove: [] };
  const local = localTimeIn(options.timeZone ?? "UTC");
  const state = RULES.map(([rule, bucket]) => ({
    rule,
    bucket,
    left: rules[rule] ?? 0,
    last: undefined as string | undefined,
  }));
  const outcome: RetentionOutcome<T> = { keep: [], remove: [] };
  sorted.forEach(({ snapshot, at }, position) => {
    const time = local(at);
    const reasons: RetentionRule[] = [];
    for (const rule of state) {
      if (rule.left <= 0) continue;
      const value = rule.bucket(time, position);
      if (value === rule.last) continue;
      rule.last = value;
      rule.left -= 1;
      reasons.push(rule.rule);
    }
    if (reasons.length > 0) outcome.keep.push({ snapshot, reasons });
    else outcome.remove.push(snapshot);
  });
  return outcome;
}
