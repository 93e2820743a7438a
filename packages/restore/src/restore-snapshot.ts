import type { IndexRecord } from "@kubedump/repository/archive";
import { SnapshotDamagedError } from "./errors.js";
import { compileRestoreFilters } from "./filters.js";
import { createMissingNamespaces } from "./missing-namespaces.js";
import { describeRecord, type RestorerContext } from "./object-restorer.js";
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_ESTABLISH_TIMEOUT_MS,
  DEFAULT_PASS_DELAY_MS,
  type RestoreDeps,
  type RestoreOptions,
  type RestoreProgress,
} from "./options.js";
import { createOwnerLookup } from "./owner-lookup.js";
import { RestoreReport } from "./report.js";
import { RestoreRun, type RunDeps } from "./restore-run.js";
import { restoreStatusTypes, selectRecords } from "./select.js";
import { ServedTypes } from "./served-types.js";

/**
 * Restores a snapshot into the cluster of `client` and reports what became of every object.
 *
 * 1. The whole snapshot is verified first (Repository.verify of it alone: parts and index against
 *    snapshot.json, every path against the layout, every object against its index record); a
 *    damaged or forged one throws SnapshotDamagedError (an IntegrityError) before any write.
 * 2. The index alone decides the plan: filters, the types never restored, --skip-owned. The
 *    namespaces its objects go into that neither the snapshot nor the cluster has are created.
 * 3. Pass after pass (see RestoreRun), the objects are streamed from the snapshot a step at a
 *    time, prepared, mapped, relinked to their owners' new uids and written.
 * Objects that fail are in the report; the restore itself rejects only when it cannot go on (the
 * cluster or the repository unreachable, an abort, a snapshot that changed after its check).
 */
export async function restoreSnapshot(deps: RestoreDeps): Promise<RestoreReport> {
  const { client, repository, snapshotId, signal } = deps;
  const options = checkOptions(deps.options ?? {});
  deps.onProgress?.({ ...NO_PROGRESS, phase: "verifying" });
  const verified = await repository.verify(snapshotId, { snapshotOnly: true });
  if (!verified.ok) throw new SnapshotDamagedError(snapshotId, verified.problems);
  signal?.throwIfAborted();

  const records: IndexRecord[] = [];
  for await (const record of repository.readIndex(snapshotId)) records.push(record);
  const served = new ServedTypes(client);
  await served.refresh();
  const filter = compileRestoreFilters(options.filters ?? {}, records, served.all());
  const restoreStatus = restoreStatusTypes(options.restoreStatus ?? [], records, served);
  const mapping = options.namespaceMappings ?? new Map<string, string>();
  const report = new RestoreReport({ dryRun: options.dryRun ?? false, onAdd: deps.onOutcome });
  const { selected, skipped, selectedUids } = selectRecords(records, filter, options.skipOwned ?? false);
  for (const { record, reason } of skipped) {
    report.add({ ...describeRecord(record, mapping), outcome: "skipped", reason });
  }
  const ctx = restorerContext(deps, options, { served, mapping, restoreStatus });
  const run = new RestoreRun({
    repository,
    snapshotId,
    ctx,
    filter,
    skip: { skipOwned: options.skipOwned ?? false, ...(selectedUids && { selectedUids }) },
    ownerUids: new Set(selected.flatMap((r) => r.ownerReferences?.map((ref) => ref.uid) ?? [])),
    report,
    concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
    establishTimeoutMs: options.establishTimeoutMs ?? DEFAULT_ESTABLISH_TIMEOUT_MS,
    passDelayMs: options.passDelayMs ?? DEFAULT_PASS_DELAY_MS,
    onProgress: deps.onProgress,
    objectsDone: skipped.length,
    objects: selected.length + skipped.length,
  });
  records.length = 0; // the selection keeps what the plan needs
  await createMissingNamespaces(ctx, selected, report);
  await run.run(selected);
  return report;
}

const NO_PROGRESS: RestoreProgress = {
  phase: "verifying",
  pass: 0,
  step: "",
  stepsDone: 0,
  steps: 0,
  stepObjectsDone: 0,
  stepObjects: 0,
  objectsDone: 0,
  objects: 0,
};

/** What every object's restore shares: the cluster, the policy, the uid map and the dry run's bookkeeping. */
function restorerContext(
  { client, signal }: RestoreDeps,
  options: RestoreOptions,
  known: Pick<RestorerContext, "served" | "mapping" | "restoreStatus">,
): RunDeps["ctx"] {
  return {
    ...known,
    client,
    signal,
    policy: options.existingResourcePolicy ?? "none",
    dryRun: options.dryRun ?? false,
    preserveNodePorts: options.preserveNodePorts ?? false,
    lookup: createOwnerLookup(client, known.served, signal),
    uids: new Map(),
    waiting: new Set(),
    dryRunNamespaces: new Set(),
    dryRunTypes: new Set(),
  };
}

function checkOptions(options: RestoreOptions): RestoreOptions {
  const { concurrency, existingResourcePolicy } = options;
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0)) {
    throw new RangeError(`concurrency must be a whole number above 0, got ${concurrency}`);
  }
  if (
    existingResourcePolicy !== undefined &&
    existingResourcePolicy !== "none" &&
    existingResourcePolicy !== "update"
  ) {
    throw new RangeError(
      `existingResourcePolicy must be none or update, got ${JSON.stringify(existingResourcePolicy)}`,
    );
  }
  return options;
}
