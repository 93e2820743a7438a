import { crPath, validateRepository } from "@kubedump/api";
import { isNotFound } from "@kubedump/kube";
import { InvalidSpecError, type Job, type VerifyJob } from "@kubedump/queue";
import type { Loaded } from "./reconciler.js";
import type { VerifyDeps, VerifyOutcome, VerifyWork } from "./verify-types.js";

/**
 * Load: the Repository (gone, or without spec.verify since the job was made: done), valid (else an
 * InvalidSpecError, terminal), and its repository opened (a missing Secret or an unreachable
 * backend is a plain error, retried with the job's attempts).
 */
export async function loadVerify(deps: VerifyDeps, job: Job<VerifyJob>): Promise<Loaded<VerifyWork, VerifyOutcome>> {
  const { namespace, name } = job.data;
  let obj: unknown;
  try {
    obj = await deps.client.get<unknown>(crPath("Repository", namespace, name));
  } catch (err) {
    if (isNotFound(err)) return { done: "gone" };
    throw err;
  }
  const valid = validateRepository(obj);
  if (!valid.ok) throw new InvalidSpecError(`Repository ${namespace}/${name}: ${valid.errors.join("; ")}`);
  const verify = valid.value.spec.verify;
  if (!verify) return { done: "not verified: no spec.verify" };
  const repository = await deps.openRepository(valid, namespace);
  const work: VerifyWork = {
    ref: { namespace, name },
    object: valid.value,
    verify,
    repository,
    seed: String(job.id ?? ""),
  };
  return { work };
}
