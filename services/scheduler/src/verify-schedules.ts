import { validateRepository } from "@kubedump/api";
import type { KubeClient } from "@kubedump/kube";
import { configKey, type JobsOptions, type Queue, QUEUES, type VerifyJob } from "@kubedump/queue";
import type { Logger } from "@kubedump/service";
import { ensureJobScheduler, getCurrent, resyncJobSchedulers, serialised } from "./job-schedulers.js";

export interface VerifyScheduleDeps {
  client: KubeClient;
  /** kubedump-verify: the Repositories' job schedulers put their jobs here, for the dump workers. */
  verify: Queue<VerifyJob>;
  log: Logger;
}

/**
 * Options of every verify job: a backend that does not answer is retried twice, 1 then 2 minutes
 * later; an invalid Repository fails at once (the worker throws an UnrecoverableError).
 */
export const VERIFY_JOB_OPTIONS = {
  attempts: 3,
  backoff: { type: "exponential", delay: 60_000 },
  removeOnComplete: 100,
  removeOnFail: 100,
} as const satisfies JobsOptions;

/**
 * Level-triggered: reads the Repository as it is now and makes its job scheduler on
 * kubedump-verify (id `<ns>/<name>`) match — upserted for a valid spec with `verify` (cron + time
 * zone), removed when the Repository is gone, invalid or has no `verify`. Safe to repeat.
 */
export function syncVerifySchedule(
  deps: VerifyScheduleDeps,
  namespace: string,
  name: string,
): Promise<"scheduled" | "removed"> {
  const id = configKey(namespace, name);
  return serialised(`${QUEUES.verify}/${id}`, async () => {
    const obj = await getCurrent(deps.client, "Repository", namespace, name);
    const valid = obj ? validateRepository(obj) : undefined;
    const verify = valid?.ok ? valid.value.spec.verify : undefined;
    if (!verify) {
      await deps.verify.removeJobScheduler(id);
      const why = !obj ? "Repository deleted" : valid?.ok ? "no spec.verify" : "Repository invalid";
      deps.log.debug({ namespace, name }, `verify job scheduler removed (${why})`);
      return "removed";
    }
    const next = await ensureJobScheduler(
      deps.verify,
      id,
      { pattern: verify.schedule, tz: verify.timeZone },
      { name: "verify", data: { namespace, name }, opts: VERIFY_JOB_OPTIONS },
    );
    deps.log.info(
      { namespace, name, schedule: verify.schedule, next: new Date(next).toISOString() },
      "verify job scheduler in place",
    );
    return "scheduled";
  });
}

/**
 * Reconciles every Repository's verify job scheduler (of one namespace, or all), and removes the
 * schedulers whose Repository is gone.
 */
export async function resyncVerifySchedules(deps: VerifyScheduleDeps, namespace?: string): Promise<void> {
  const sync = (ns: string, name: string) => syncVerifySchedule(deps, ns, name);
  const { objects, scheduled } = await resyncJobSchedulers(deps.client, deps.verify, "Repository", namespace, sync);
  deps.log.info({ repositories: objects, verified: scheduled }, "resynced verify job schedulers");
}
