import { describeSeries, type Labels, type MetricFamily, seriesKey } from "@kubedump/metrics";
import { PushRejectedError } from "./errors.js";
import type { HeldGroup, OwnFamily } from "./exposition.js";

export const describeGroup = (labels: Labels): string => describeSeries({ name: "", labels });

/**
 * The group's families after a push: PUT replaces them all, POST only those of the pushed names.
 * `pushedNames` are the names as pushed, before sanitizing dropped families without samples, so
 * that a POST of a family without metrics (protobuf only) removes the group's family of that name,
 * as in the Pushgateway.
 */
export function nextGroupFamilies(
  current: readonly MetricFamily[],
  pushed: readonly MetricFamily[],
  replace: boolean,
  pushedNames: ReadonlySet<string>,
): MetricFamily[] {
  if (replace) return [...pushed];
  return [...current.filter((f) => !pushedNames.has(f.name)), ...pushed];
}

/**
 * Rejects a group's next families when they would make the gateway's exposition inconsistent, as
 * the Pushgateway does: a type differing from the gateway's own metric of that name or from
 * another group's family of that name, or a series another group holds. A differing HELP is
 * fine: the gateway's own HELP is served for its names, the first group's for the others.
 */
export function checkConsistency(
  next: readonly MetricFamily[],
  others: readonly HeldGroup[],
  ownFamilies: ReadonlyMap<string, OwnFamily>,
): void {
  const mine = new Map(next.map((f) => [f.name, f]));
  checkSuffixCollisions(next, others, ownFamilies);
  for (const family of mine.values()) {
    const ownType = ownFamilies.get(family.name)?.type;
    if (ownType !== undefined && ownType !== family.type) {
      throw new PushRejectedError(
        `metric "${family.name}" is pushed as ${family.type} but the gateway's own metric of that name is a ${ownType}`,
      );
    }
  }
  const heldSeries = new Map<string, HeldGroup>();
  for (const group of others) {
    for (const family of group.families) {
      const pushed = mine.get(family.name);
      if (!pushed) continue;
      if (pushed.type !== family.type) {
        throw new PushRejectedError(
          `metric "${pushed.name}" is pushed as ${pushed.type} but group ${describeGroup(group.labels)} holds it as ${family.type}`,
        );
      }
      for (const s of family.samples) heldSeries.set(seriesKey(s.name, s.labels), group);
    }
  }
  for (const family of next) {
    for (const s of family.samples) {
      const holder = heldSeries.get(seriesKey(s.name, s.labels));
      if (holder)
        throw new PushRejectedError(
          `series ${describeSeries(s)} is already held by group ${describeGroup(holder.labels)}`,
        );
    }
  }
}

const SUFFIXES = ["_count", "_sum", "_bucket"] as const;

/**
 * Rejects a family whose name would read as part of a histogram or summary of another (a
 * histogram `h` and an `h_bucket`, `h_sum` or `h_count`; a summary `s` and an `s_sum` or
 * `s_count`), as Prometheus's Go client refuses to gather them, so the Pushgateway refuses the push.
 */
function checkSuffixCollisions(
  next: readonly MetricFamily[],
  others: readonly HeldGroup[],
  ownFamilies: ReadonlyMap<string, OwnFamily>,
): void {
  const types = new Map<string, string>();
  for (const [name, { type }] of ownFamilies) types.set(name, type);
  for (const family of [...others.flatMap((g) => g.families), ...next]) types.set(family.name, family.type);
  const takes = (type: string | undefined, suffix: string): boolean =>
    type === "histogram" || (type === "summary" && suffix !== "_bucket");
  for (const { name, type } of next) {
    for (const suffix of SUFFIXES) {
      const base = name.endsWith(suffix) ? name.slice(0, -suffix.length) : undefined;
      if (base !== undefined && takes(types.get(base), suffix)) {
        throw new PushRejectedError(`metric "${name}" collides with the ${types.get(base)} "${base}"`);
      }
      if (takes(type, suffix) && types.has(name + suffix)) {
        throw new PushRejectedError(`the ${type} "${name}" collides with the metric "${name}${suffix}"`);
      }
    }
  }
}
