import { backupMetricFamilies, type Labels, type MetricFamily, type MetricType, type Sample } from "@kubedump/metrics";
import { describe, expect, it } from "vitest";
import type { HeldGroup, OwnFamily } from "./exposition.js";
import { FamilyIndex } from "./family-index.js";
import { checkConsistency } from "./push-check.js";
import { seededRandom } from "./test-support.js";

type Random = ReturnType<typeof seededRandom>;

// Few names, types, HELPs and label values, so that groups often share names and series.
const NAMES = ["jobs", "jobs_total", "size", "up", "lat", "lat_sum", "lat_count", "lat_bucket"];
const TYPES: MetricType[] = ["counter", "gauge", "untyped", "histogram", "summary"];
const HELPS = [undefined, "", "Jobs.", "Other."];

/** Labels in a random order: the check must not depend on it. */
function shuffled(random: Random, labels: Labels): Labels {
  const entries = Object.entries(labels).sort(() => random.next() - 0.5);
  return Object.fromEntries(entries);
}

function randomFamily(random: Random, name: string, grouping: Labels): MetricFamily {
  const samples: Sample[] = [];
  for (let i = 0, n = 1 + Math.floor(random.next() * 2); i < n; i++) {
    const extra: Labels = random.next() < 0.5 ? {} : { k: random.pick(["a", "b"]) };
    const instance = grouping.instance ?? random.pick(["", "1"]);
    samples.push({ name, labels: shuffled(random, { ...grouping, instance, ...extra }), value: i });
  }
  const family: MetricFamily = { name, type: random.pick(TYPES), samples };
  const help = random.pick(HELPS);
  return help === undefined ? family : { ...family, help };
}

function randomFamilies(random: Random, grouping: Labels): MetricFamily[] {
  const names = NAMES.filter(() => random.next() < 0.4);
  return names.map((name) => randomFamily(random, name, grouping));
}

function randomGrouping(random: Random): Labels {
  const grouping: Labels = { job: random.pick(["a", "b"]) };
  if (random.next() < 0.6) grouping.instance = random.pick(["", "1", "2"]);
  return grouping;
}

const keyOf = (labels: Labels): string =>
  Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join("/");

function randomGroups(random: Random): HeldGroup[] {
  const groups = new Map<string, HeldGroup>();
  for (let i = 0, n = Math.floor(random.next() * 8); i < n; i++) {
    const labels = randomGrouping(random);
    const families = randomFamilies(random, labels);
    groups.set(keyOf(labels), { key: keyOf(labels), labels, families, pushTime: 1, pushFailureTime: 0 });
  }
  return [...groups.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
}

/** The message checkConsistency throws, or "passes". */
function outcome(check: () => void): string {
  try {
    check();
    return "passes";
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

const OWN = new Map<string, OwnFamily>([["up", { type: "gauge" }]]);

describe("FamilyIndex", () => {
  it("gives checkConsistency the groups that decide it: the same outcome as on every group, for 3,000 random pushes", () => {
    const random = seededRandom(16);
    let passed = 0;
    let all = 0;
    let candidates = 0;
    for (let i = 0; i < 3000; i++) {
      const groups = randomGroups(random);
      const grouping = randomGrouping(random);
      const key = keyOf(grouping);
      const next = randomFamilies(random, grouping);
      const index = new FamilyIndex();
      for (const g of groups) index.set(g.key, g.families);
      const others = groups.filter((g) => g.key !== key);
      const chosen = index.candidates(next, key);
      const full = outcome(() => checkConsistency(next, others, OWN));
      const viaIndex = outcome(() =>
        checkConsistency(
          next,
          others.filter((g) => chosen.has(g.key)),
          OWN,
        ),
      );
      expect(viaIndex, `case ${i}`).toBe(full);
      if (full !== "passes") continue;
      passed++;
      all += others.length;
      candidates += chosen.size;
    }
    // Both outcomes are common, so the comparison above says something; and where a push passes, the
    // index leaves most groups out.
    expect(passed).toBeGreaterThan(300);
    expect(3000 - passed).toBeGreaterThan(300);
    expect(candidates).toBeLessThan(all / 4);
  });

  it("after any sequence of sets and deletes, finds what an index built from the groups left finds", () => {
    const random = seededRandom(61);
    const index = new FamilyIndex();
    const held = new Map<string, HeldGroup>();
    for (let i = 0; i < 2000; i++) {
      const grouping = randomGrouping(random);
      const key = keyOf(grouping);
      if (random.next() < 0.3) {
        index.delete(key);
        held.delete(key);
      } else {
        const families = randomFamilies(random, grouping);
        index.set(key, families);
        held.set(key, { key, labels: grouping, families, pushTime: 1, pushFailureTime: 0 });
      }
      const fresh = new FamilyIndex();
      for (const g of held.values()) fresh.set(g.key, g.families);
      const probe = randomGrouping(random);
      const next = randomFamilies(random, probe);
      expect([...index.candidates(next, keyOf(probe))].sort(), `step ${i}`).toEqual(
        [...fresh.candidates(next, keyOf(probe))].sort(),
      );
    }
    index.clear();
    expect(index.candidates(randomFamilies(random, { job: "a" }), "x").size).toBe(0);
  });

  it("names no group for pushes like the dump worker's, which share every name and no series", () => {
    const families = (n: number): MetricFamily[] => {
      const labels = {
        invokerKind: "BackupConfiguration",
        invokerName: `nightly-${n}`,
        namespace: "ns",
        repository: "s3",
      };
      const values = { sessionSuccess: true, sessionDurationSeconds: n, objectsTotal: n, dataSizeBytes: n };
      const grouping = { job: "backups", instance: `group-${n}` };
      return backupMetricFamilies({ labels, values }).map((f) => ({
        ...f,
        samples: f.samples.map((s) => ({ ...s, labels: { ...s.labels, ...grouping } })),
      }));
    };
    const index = new FamilyIndex();
    for (let n = 0; n < 500; n++) index.set(`g${n}`, families(n));
    const named = Array.from({ length: 500 }, (_, n) => index.candidates(families(n), `g${n}`).size);
    expect(named.reduce((a, b) => a + b)).toBe(0);
    // Another HELP is no conflict; the same series under another key is, and so is the name as another type.
    const otherHelp = families(1000).map((f) => ({ ...f, help: "Another HELP." }));
    expect(index.candidates(otherHelp, "g1000").size).toBe(0);
    expect([...index.candidates(families(7), "elsewhere")]).toEqual(["g7"]);
    const otherType = families(1000).map((f) => ({ ...f, type: "counter" as const }));
    expect(index.candidates(otherType, "g1000").size).toBe(500);
  });
});
