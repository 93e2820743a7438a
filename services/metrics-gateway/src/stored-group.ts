import { type Labels, type MetricFamily, parseTextFormat } from "@kubedump/metrics";
import { type ExposedFamilies, exposeFamilies, type FamilyHead, parseExposed } from "./exposed-families.js";
import type { HeldGroup } from "./exposition.js";
import { parseFamilyTimes } from "./family-times.js";
import { GROUP_FIELDS } from "./store-keys.js";

type GroupData = Omit<HeldGroup, "families" | "exposed">;

/**
 * A held group that keeps its families only as /metrics writes them, a fraction of the memory of
 * the parsed ones, and parses them again from that text when asked for them (which gives the same
 * families: parseTextFormat reads back what renderTextFormat wrote of what it parsed).
 */
class ExposedGroup implements HeldGroup {
  readonly key: string;
  readonly labels: Labels;
  readonly pushTime: number;
  readonly pushFailureTime: number;
  readonly familyTimes?: Readonly<Record<string, number>>;
  readonly created?: number;
  readonly corrupt?: string;

  constructor(
    data: GroupData,
    readonly exposed: ExposedFamilies,
  ) {
    this.key = data.key;
    this.labels = data.labels;
    this.pushTime = data.pushTime;
    this.pushFailureTime = data.pushFailureTime;
    if (data.familyTimes !== undefined) this.familyTimes = data.familyTimes;
    if (data.created !== undefined) this.created = data.created;
    if (data.corrupt !== undefined) this.corrupt = data.corrupt;
  }

  get families(): MetricFamily[] {
    return parseExposed(this.exposed);
  }
}

/**
 * A group's hash read back, its family heads passed through `intern` (exposeFamilies), and its
 * families as parsed (for the caller to index, not keep); undefined when the hash is gone or has
 * no labels.
 */
export function readGroup(
  key: string,
  hash: Record<string, string>,
  intern?: (head: FamilyHead) => FamilyHead,
): { group: HeldGroup & { exposed: ExposedFamilies }; families: MetricFamily[] } | undefined {
  const rawLabels = hash[GROUP_FIELDS.labels];
  if (rawLabels === undefined) return undefined;
  const data: GroupData = {
    key,
    labels: {},
    pushTime: Number(hash[GROUP_FIELDS.pushTime] ?? 0),
    pushFailureTime: Number(hash[GROUP_FIELDS.pushFailureTime] ?? 0),
    familyTimes: parseFamilyTimes(hash[GROUP_FIELDS.familyTimes]),
    created: hash[GROUP_FIELDS.created] === undefined ? undefined : Number(hash[GROUP_FIELDS.created]),
  };
  let families: MetricFamily[] = [];
  try {
    data.labels = parseLabels(rawLabels);
    families = parseTextFormat(hash[GROUP_FIELDS.metrics] ?? "");
  } catch (err) {
    data.corrupt = err instanceof Error ? err.message : String(err);
  }
  return { group: new ExposedGroup(data, exposeFamilies(families, intern)), families };
}

function parseLabels(raw: string): Labels {
  const parsed: unknown = JSON.parse(raw);
  const valid =
    typeof parsed === "object" &&
    parsed !== null &&
    typeof (parsed as Labels).job === "string" &&
    Object.values(parsed).every((v) => typeof v === "string");
  if (!valid) throw new Error(`stored grouping labels are not a map of strings with a job: ${raw}`);
  return parsed as Labels;
}
