import { checkConfiguration } from "../checks.js";
import { type Controller, type ControllerDeps, done } from "../controller.js";
import { writeStatus } from "../status-writer.js";
import { readyIsStale } from "./ready.js";
import { enqueueScheduleSync } from "./schedule-sync.js";

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
      await enqueueScheduleSync(deps, "backup", key);
      return done();
    },
  };
}
