import { describeSeries, type Labels, type MetricFamily, type Sample, seriesKey } from "@kubedump/metrics";
import { PushRejectedError } from "./errors.js";
import {
  groupSampleLabels,
  type HeldGroup,
  type OwnFamily,
  PUSH_FAILURE_TIME_METRIC,
  PUSH_TIME_METRIC,
  sortLabels,
} from "./exposition.js";

const describeGroup = (labels: Labels): string => describeSeries({ name: "", labels });

/**
 * Pushed families made ready to hold: every sample gets the grouping labels (and `instance=""`
 * when it has no instance), labels sorted; families without samples dropped. Rejects timestamps,
 * and a sample whose grouping label differs from the grouping key's value.
 */
export function sanitizePush(families: readonly MetricFamily[], grouping: Labels): MetricFamily[] {
  const required = groupSampleLabels(grouping);
  const out: MetricFamily[] = [];
  for (const family of families) {
    if (family.samples.length === 0) continue;
    const samples = family.samples.map((sample) => withGrouping(sample, grouping, required));
    out.push({ ...family, samples });
  }
  return out;
}

function withGrouping(sample: Sample, grouping: Labels, required: Labels): Sample {
  if (sample.timestamp !== undefined) {
    throw new PushRejectedError(
      `pushed metrics must not have timestamps (${describeSeries(sample)} has ${sample.timestamp})`,
    );
  }
  for (const [name, value] of Object.entries(sample.labels)) {
    const expected = grouping[name];
    if (expected !== undefined && expected !== value) {
      throw new PushRejectedError(
        `${describeSeries(sample)} has label ${name}=${JSON.stringify(value)} but the grouping key says ${name}=${JSON.stringify(expected)}`,
      );
    }
  }
  return { name: sample.name, labels: sortLabels({ ...required, ...sample.labels }), value: sample.value };
}

/** The group's families after a push: PUT replaces them all, POST only those of the pushed names. */
export function nextGroupFamilies(
  current: readonly MetricFamily[],
  pushed: readonly MetricFamily[],
  replace: boolean,
): MetricFamily[] {
  if (replace) return [...pushed];
  const pushedNames = new Set(pushed.map((f) => f.name));
  return [...current.filter((f) => !pushedNames.has(f.name)), ...pushed];
}

/**
 * Rejects a group's next families when they would make the gateway's exposition inconsistent:
 * push_time_seconds or push_failure_time_seconds; a type differing from the gateway's own metric
 * of that name (a differing HELP is fine: the gateway's own is served, as the Pushgateway does);
 * a type or HELP differing from another group's family of that name; a series another group holds.
 */
export function checkConsistency(
  next: readonly MetricFamily[],
  others: readonly HeldGroup[],
  ownFamilies: ReadonlyMap<string, OwnFamily>,
): void {
  const mine = new Map(next.map((f) => [f.name, f]));
  for (const family of mine.values()) {
    if (family.name === PUSH_TIME_METRIC || family.name === PUSH_FAILURE_TIME_METRIC) {
      throw new PushRejectedError(`metric name "${family.name}" is reserved for the gateway's push times`);
    }
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
      checkSameFamily(pushed, family, group, !ownFamilies.has(family.name));
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

/** `compareHelp` is false for names of the gateway's own metrics, whose HELP is served whatever was pushed. */
function checkSameFamily(pushed: MetricFamily, held: MetricFamily, group: HeldGroup, compareHelp: boolean): void {
  if (pushed.type !== held.type) {
    throw new PushRejectedError(
      `metric "${pushed.name}" is pushed as ${pushed.type} but group ${describeGroup(group.labels)} holds it as ${held.type}`,
    );
  }
  const [pushedHelp, heldHelp] = [pushed.help ?? "", held.help ?? ""];
  if (compareHelp && pushedHelp !== heldHelp) {
    throw new PushRejectedError(
      `metric "${pushed.name}" is pushed with HELP ${JSON.stringify(pushedHelp)} but group ${describeGroup(group.labels)} holds it with HELP ${JSON.stringify(heldHelp)}`,
    );
  }
}
