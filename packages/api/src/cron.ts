/** The macros a schedule may be instead of five fields. */
export const CRON_MACROS = ["@hourly", "@daily", "@weekly", "@monthly", "@yearly"] as const;

interface CronField {
  name: string;
  min: number;
  max: number;
  /** Names for the values from `min` on (JAN = 1, SUN = 0). */
  names?: readonly string[];
}

const FIELDS: readonly CronField[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  {
    name: "month",
    min: 1,
    max: 12,
    names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"],
  },
  // 7 is Sunday too, as in Vixie cron.
  { name: "day of week", min: 0, max: 7, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] },
];

/**
 * Checks a standard five-field cron expression (minute hour day-of-month month day-of-week) or
 * one of CRON_MACROS. Fields take `*`, numbers, names (JAN–DEC, SUN–SAT), ranges `a-b`, steps
 * `*\/n`, `a-b/n`, `a/n` and comma lists. Returns the problems found; empty means valid.
 */
export function validateCron(expression: string): string[] {
  const text = expression.trim();
  if (text.startsWith("@")) {
    return (CRON_MACROS as readonly string[]).includes(text)
      ? []
      : [`unknown macro "${text}" (use one of ${CRON_MACROS.join(", ")})`];
  }
  const parts = text.split(/\s+/).filter(Boolean);
  if (parts.length !== FIELDS.length) {
    return [`expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`];
  }
  return parts.flatMap((part, i) => fieldErrors(part, FIELDS[i]!));
}

function fieldErrors(text: string, field: CronField): string[] {
  return text.split(",").flatMap((item) => {
    const problem = itemError(item, field);
    return problem ? [`${field.name} "${text}": ${problem}`] : [];
  });
}

function itemError(item: string, field: CronField): string | undefined {
  if (item === "") return "empty list item";
  const [range, step, ...extra] = item.split("/");
  if (extra.length > 0) return `"${item}" has more than one "/"`;
  if (step !== undefined) {
    if (!/^[0-9]+$/.test(step) || Number(step) < 1) return `step "${step}" must be a positive integer`;
    if (Number(step) > field.max - field.min + 1)
      return `step ${step} is larger than the range ${field.min}-${field.max}`;
  }
  if (range === undefined || range === "*") return undefined;
  const bounds = range.split("-");
  if (bounds.length > 2) return `"${range}" is not a value or a range a-b`;
  const values: number[] = [];
  for (const bound of bounds) {
    const value = parseValue(bound, field);
    if (typeof value === "string") return value;
    values.push(value);
  }
  const [start, end] = values;
  if (start !== undefined && end !== undefined && start > end) return `range "${range}" runs backwards`;
  return undefined;
}

/** The number a token stands for, or what is wrong with it. */
function parseValue(token: string, field: CronField): number | string {
  if (/^[0-9]+$/.test(token)) {
    const n = Number(token);
    return n >= field.min && n <= field.max ? n : `${n} is out of range ${field.min}-${field.max}`;
  }
  const index = field.names?.indexOf(token.toUpperCase()) ?? -1;
  if (index >= 0) return field.min + index;
  return field.names
    ? `"${token}" is neither a number nor one of ${field.names.join(", ")}`
    : `"${token}" is not a number`;
}
