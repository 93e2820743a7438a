import type { Labels, MetricFamily } from "@kubedump/metrics";

/** The groups holding a family name with one type. */
interface Holders {
  name: string;
  type: string;
  keys: Set<string>;
}

/** What one group was indexed under, to take it out again. */
interface Indexed {
  holders: Holders[];
  series: number[];
}

/** The endings by which a name reads as part of a histogram or summary (push-check.ts). */
const SUFFIXES = ["_bucket", "_sum", "_count"];

/** The names a family of this name could collide with as a histogram or summary, or as part of one. */
const relatedNames = (name: string): string[] =>
  SUFFIXES.flatMap((suffix) => [name + suffix, ...(name.endsWith(suffix) ? [name.slice(0, -suffix.length)] : [])]);

/** 32-bit FNV-1a of a string's UTF-16 code units, from `seed`, mixed (murmur3's fmix32) so that close strings land far apart. */
function hash(text: string, seed = 0x811c9dc5): number {
  let h = seed;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * A small integer standing for a series: equal for the same name and labels in any order (the
 * hashes of the labels are summed), as seriesKey is, without sorting or building the key.
 */
function seriesHash(name: string, labels: Labels): number {
  let h = hash(name);
  for (const label in labels) h += hash(labels[label] ?? "", hash(label));
  return h & 0x3fffffff;
}

/**
 * Which held groups a push could conflict with, found without looking at the others: for each
 * family name, the groups holding it under each type; for each series (by a hash of its key), the
 * groups holding it. A group outside candidates() holds every name the push has with the same
 * type, no name that a pushed one could collide with as a histogram or summary (or part of one),
 * and none of the pushed series, so checkConsistency (push-check.ts) passes over it without
 * effect: running the check on the candidates alone gives the result it gives on every group. A
 * hash collision only adds a candidate.
 */
export class FamilyIndex {
  private readonly byName = new Map<string, Map<string, Holders>>();
  private readonly bySeries = new Map<number, string | string[]>();
  private readonly indexed = new Map<string, Indexed>();

  /** Indexes the families of the group `key`, in place of what it held before. */
  set(key: string, families: readonly MetricFamily[]): void {
    this.delete(key);
    const entry: Indexed = { holders: [], series: [] };
    for (const family of families) {
      const { name, type } = family;
      const types = this.byName.get(name) ?? new Map<string, Holders>();
      this.byName.set(name, types);
      const held = types.get(type) ?? { name, type, keys: new Set() };
      types.set(type, held);
      held.keys.add(key);
      entry.holders.push(held);
      for (const s of family.samples) {
        const h = seriesHash(s.name, s.labels);
        const holders = this.bySeries.get(h);
        this.bySeries.set(
          h,
          holders === undefined ? key : [...(typeof holders === "string" ? [holders] : holders), key],
        );
        entry.series.push(h);
      }
    }
    this.indexed.set(key, entry);
  }

  delete(key: string): void {
    const entry = this.indexed.get(key);
    if (!entry) return;
    this.indexed.delete(key);
    for (const { name, type, keys } of entry.holders) {
      keys.delete(key);
      const types = this.byName.get(name);
      if (keys.size === 0) types?.delete(type);
      if (types?.size === 0) this.byName.delete(name);
    }
    for (const h of entry.series) {
      const holders = this.bySeries.get(h);
      const rest = (typeof holders === "string" ? [holders] : (holders ?? [])).filter((k) => k !== key);
      if (rest.length === 0) this.bySeries.delete(h);
      else this.bySeries.set(h, rest.length === 1 ? (rest[0] as string) : rest);
    }
  }

  clear(): void {
    this.byName.clear();
    this.bySeries.clear();
    this.indexed.clear();
  }

  /** The keys of the groups other than `key` that checkConsistency(next, …) must see, unsorted. */
  candidates(next: readonly MetricFamily[], key: string): Set<string> {
    const out = new Set<string>();
    const add = (holder: string): void => {
      if (holder !== key) out.add(holder);
    };
    for (const family of next) {
      for (const held of this.byName.get(family.name)?.values() ?? []) {
        if (held.type !== family.type) held.keys.forEach(add);
      }
      for (const name of relatedNames(family.name)) {
        for (const held of this.byName.get(name)?.values() ?? []) held.keys.forEach(add);
      }
      for (const s of family.samples) {
        const holders = this.bySeries.get(seriesHash(s.name, s.labels));
        if (typeof holders === "string") add(holders);
        else holders?.forEach(add);
      }
    }
    return out;
  }
}
