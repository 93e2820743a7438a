// What a restore reads before its first write, for the experiments that measure a restore's reads
// without a cluster (restore-read-child.mjs, restore-heap-child.mjs).

/**
 * A restore's reads of snapshot `id` before its steps, as restoreSnapshot does them: the snapshot
 * checked alone (Repository.verify with snapshotOnly), its index records read, the plan made by
 * `planRestore` (the checkout's own, packages/restore/dist/plan.js); `phase(name)` is called after
 * each ("verify", "index", "plan"). Resolves with the records and the plan.
 */
export async function readBeforeSteps(repository, id, planRestore, phase) {
  const verified = await repository.verify(id, { snapshotOnly: true });
  if (!verified.ok) throw new Error(`verify: ${verified.problems.slice(0, 3).join("; ")}`);
  phase("verify");
  const records = [];
  for await (const record of repository.readIndex(id)) records.push(record);
  phase("index");
  const plan = planRestore(records);
  phase("plan");
  return { records, plan };
}
