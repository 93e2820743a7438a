import type { MetricFamily } from "@kubedump/metrics";
import type { HeldGroup } from "./exposition.js";

/**
 * When each family of a group was last pushed, after a push at `now`: the pushed families now, the
 * ones a POST kept as they were (the group's push time for groups stored before times were kept).
 */
export function nextFamilyTimes(
  current: HeldGroup | undefined,
  next: readonly MetricFamily[],
  pushed: readonly MetricFamily[],
  now: number,
): Record<string, number> {
  const pushedNames = new Set(pushed.map((f) => f.name));
  const times: Record<string, number> = {};
  for (const { name } of next) {
    times[name] = pushedNames.has(name) ? now : (current?.familyTimes?.[name] ?? current?.pushTime ?? now);
  }
  return times;
}

/** The stored family times; undefined when absent or unreadable, so that the group's push time stands in. */
export function parseFamilyTimes(raw: string | undefined): Record<string, number> | undefined {
  if (raw === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(raw);
    const valid =
      typeof parsed === "object" &&
      parsed !== null &&
      Object.values(parsed).every((t) => typeof t === "number" && Number.isFinite(t));
    return valid ? (parsed as Record<string, number>) : undefined;
  } catch {
    return undefined;
  }
}
