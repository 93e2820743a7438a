import {
  describeSeries,
  type Labels,
  type MetricFamily,
  type MetricType,
  parseTextFormat,
  renderTextFormat,
  type Sample,
} from "@kubedump/metrics";
import { describe, expect, it } from "vitest";
import { HeadTable } from "./exposed-families.js";
import {
  type Exposition,
  groupSampleLabels,
  type HeldGroup,
  PUSH_FAILURE_TIME_HELP,
  PUSH_FAILURE_TIME_METRIC,
  PUSH_TIME_HELP,
  PUSH_TIME_METRIC,
  renderExposition,
} from "./exposition.js";
import { readGroup } from "./stored-group.js";
import { seededRandom } from "./test-support.js";

/**
 * What /metrics is, written the plain way: every family copied and merged by name, the whole
 * rendered by renderTextFormat. renderExposition must give exactly this, from groups as the store
 * keeps them (rendered once) as from groups with parsed families.
 */
function plainExposition(own: readonly MetricFamily[], groups: readonly HeldGroup[]): Exposition {
  const merged = new Map<string, MetricFamily>(own.map((f) => [f.name, { ...f, samples: [...f.samples] }]));
  const conflicts: string[] = [];
  for (const group of groups) {
    for (const family of group.families) {
      const held = merged.get(family.name);
      if (!held) merged.set(family.name, { ...family, samples: [...family.samples] });
      else if (held.type === family.type) held.samples.push(...family.samples);
      else
        conflicts.push(
          `${family.name} of group ${describeSeries({ name: "", labels: group.labels })} is a ${family.type}, not a ${held.type}`,
        );
    }
  }
  const families = [...merged.values()];
  const known = groups.filter((g) => g.labels.job !== undefined);
  const pushTimes: [string, string, keyof HeldGroup][] = [
    [PUSH_TIME_METRIC, PUSH_TIME_HELP, "pushTime"],
    [PUSH_FAILURE_TIME_METRIC, PUSH_FAILURE_TIME_HELP, "pushFailureTime"],
  ];
  for (const [name, help, field] of known.length > 0 ? pushTimes : []) {
    const samples = known.map((g) => ({ name, labels: groupSampleLabels(g.labels), value: Number(g[field]) }));
    families.push({ name, help, type: "gauge", samples });
  }
  return { text: renderTextFormat(families), conflicts };
}

type Pick = ReturnType<typeof seededRandom>["pick"];

const VALUES = [0, -0, 1, 2.5, 1.5e-7, 1e21, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
const LABEL_VALUES = ["", "a", 'quote " and \\ backslash', "new\nline", "ünï"];
const HELPS = [undefined, "", "Plain.", "Escapes \\ and\nnewline.", "Other."];

function randomSamples(pick: Pick, family: Omit<MetricFamily, "samples">, grouping: Labels): Sample[] {
  const labels = (extra: Labels): Labels => ({ ...groupSampleLabels(grouping), k: pick(LABEL_VALUES), ...extra });
  if (family.type === "histogram") {
    const series = labels({});
    return [
      ...["0.5", "+Inf"].map((le) => ({
        name: `${family.name}_bucket`,
        labels: { ...series, le },
        value: pick(VALUES),
      })),
      { name: `${family.name}_sum`, labels: series, value: pick(VALUES) },
      { name: `${family.name}_count`, labels: series, value: pick(VALUES) },
    ];
  }
  return [{ name: family.name, labels: labels({ n: pick(["1", "2"]) }), value: pick(VALUES) }];
}

/** Families as the store holds them: text rendered and parsed back. */
function randomFamilies(pick: Pick, grouping: Labels): MetricFamily[] {
  const families: MetricFamily[] = [];
  for (const name of ["jobs", "size", "latency", "up", "own_total"]) {
    if (pick([true, false])) continue;
    const type: MetricType = name === "latency" ? "histogram" : pick(["counter", "gauge", "untyped"] as const);
    const help = pick(HELPS);
    const family: Omit<MetricFamily, "samples"> = help === undefined ? { name, type } : { name, type, help };
    families.push({ ...family, samples: randomSamples(pick, family, grouping) });
  }
  return parseTextFormat(renderTextFormat(families));
}

const OWN: MetricFamily[] = [
  {
    name: "own_total",
    help: "The gateway's own.",
    type: "counter",
    samples: [{ name: "own_total", labels: {}, value: 3 }],
  },
  { name: "own_size", type: "gauge", samples: [] },
];

function randomGroups(pick: Pick, table: HeadTable): { plain: HeldGroup[]; kept: HeldGroup[] } {
  const plain: HeldGroup[] = [];
  const kept: HeldGroup[] = [];
  for (const instance of ["1", "2", "3", "4", "5"].filter(() => pick([true, false, false]))) {
    const labels: Labels = pick([true, false]) ? { job: "j", instance } : { job: `j${instance} "q" \\ \n` };
    const families = randomFamilies(pick, labels);
    const key = `g:${instance}`;
    plain.push({ key, labels, families, pushTime: pick([0, 1764122400.5]), pushFailureTime: pick([0, 17]) });
    const hash = { labels: JSON.stringify(labels), metrics: renderTextFormat(families) };
    const times = {
      push_time: String(plain.at(-1)?.pushTime),
      push_failure_time: String(plain.at(-1)?.pushFailureTime),
    };
    const read = readGroup(key, { ...hash, ...times }, table.intern);
    if (read) kept.push(read.group);
  }
  return { plain, kept };
}

describe("renderExposition", () => {
  it("writes what renderTextFormat writes of the merged families, from kept groups as from parsed ones (1,000 random sets)", () => {
    const { pick } = seededRandom(7);
    const table = new HeadTable();
    let conflicts = 0;
    for (let i = 0; i < 1000; i++) {
      const { plain, kept } = randomGroups(pick, table);
      const expected = plainExposition(OWN, plain);
      expect(renderExposition(OWN, plain), `case ${i}`).toEqual(expected);
      expect(renderExposition(OWN, kept), `case ${i}`).toEqual(expected);
      expect(
        kept.map((g) => g.families),
        `case ${i}`,
      ).toEqual(plain.map((g) => g.families));
      conflicts += expected.conflicts.length;
    }
    expect(conflicts).toBeGreaterThan(100); // type conflicts with the gateway's and between groups were exercised
  });

  it("leaves out groups without a job, and writes nothing when there is nothing", () => {
    const corrupt: HeldGroup = {
      key: "g:x",
      labels: {},
      families: [],
      pushTime: 0,
      pushFailureTime: 1,
      corrupt: "bad",
    };
    expect(renderExposition([], [corrupt])).toEqual({ text: "", conflicts: [] });
    expect(renderExposition([], [])).toEqual({ text: "", conflicts: [] });
  });
});
