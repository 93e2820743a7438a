import { UnknownResourceError } from "@kubedump/dump";
import type { IndexRecord } from "@kubedump/repository/archive";
import type { RestoreFilter } from "./filters.js";
import { typeKeyOf } from "./keys.js";
import type { ServedTypes } from "./served-types.js";
import { skipReason } from "./skip.js";

export interface Selection {
  /** The records to restore, in index order. */
  selected: IndexRecord[];
  /** Records the filters kept but that are not restored, each with its reason. */
  skipped: { record: IndexRecord; reason: string }[];
  /** With skipOwned: the uids of every record the filters kept, owners that make their dependents skipped. */
  selectedUids?: ReadonlySet<string>;
}

/**
 * The records the filters keep (by type and namespace: labels are checked when the object is
 * read), less those never restored by default and, with skipOwned, those whose controller owner
 * is kept. Rules that need the object (a Secret's type, an Endpoints' Service) come later.
 */
export function selectRecords(records: readonly IndexRecord[], filter: RestoreFilter, skipOwned: boolean): Selection {
  const kept = records.filter((r) => filter.keepRecord(r));
  const selectedUids = skipOwned ? new Set(kept.map((r) => r.uid)) : undefined;
  const selection: Selection = { selected: [], skipped: [], ...(selectedUids && { selectedUids }) };
  for (const record of kept) {
    const reason = skipReason(record, undefined, { skipOwned, selectedUids });
    if (reason === undefined) selection.selected.push(record);
    else selection.skipped.push({ record, reason });
  }
  return selection;
}

/**
 * --restore-status as a set of type keys, each one a type of the snapshot or of the cluster:
 * UnknownResourceError names the others.
 */
export function restoreStatusTypes(
  names: readonly string[],
  records: readonly IndexRecord[],
  served: ServedTypes,
): ReadonlySet<string> {
  const known = new Set([...records.map(typeKeyOf), ...served.all().map((rt) => rt.key)]);
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length) {
    throw new UnknownResourceError(
      `restoreStatus: neither the snapshot nor the cluster has ${unknown.map((n) => `"${n}"`).join(", ")} ` +
        "(use resource.group; core resources have no group)",
    );
  }
  return new Set(names);
}
