import { configKey, QUEUES, type ScheduleJob } from "@kubedump/queue";
import { checkConfiguration } from "../checks.js";
import { type Controller, type ControllerDeps, done, type ObjectKey } from "../controller.js";
import { writeStatus } from "../status-writer.js";
import { readyIsStale } from "./ready.js";

/**
 * BackupConfiguration: validates the spec and its Repository, writes phase, SpecValid,
 * RepositoryReady and the summary Ready (which also counts the scheduler's Scheduled), then asks
 * the scheduler to sync its job scheduler, also when the configuration was deleted.
 */
export function backupConfigurationController(deps: ControllerDeps): Controller {
  return {
    kind: "BackupConfiguration",
    wants: readyIsStale,
    async reconcile(key, obj) {
      if (obj) {
        const check = await checkConfiguration(deps.client, obj);
        const written = await writeStatus(deps, "BackupConfiguration", obj, { ...check, ready: true });
        if (written && check.phase === "Invalid")
          deps.log.warn({ ...key }, `BackupConfiguration ${key.namespace}/${key.name} is invalid: ${check.message}`);
      }
      await enqueueSchedule(deps, key);
      return done();
    },
  };
}

/** One schedules job per configuration at a time (its job id is the configuration's key). */
async function enqueueSchedule(deps: ControllerDeps, { namespace, name }: ObjectKey): Promise<void> {
  await deps.queues
    .get<ScheduleJob>(QUEUES.schedules)
    .add("sync", { namespace, name }, { jobId: configKey(namespace, name), removeOnComplete: true, removeOnFail: 100 });
}
