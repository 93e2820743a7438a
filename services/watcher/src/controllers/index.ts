import type { ControllerFactory } from "../controller.js";
import { backupConfigurationController } from "./backup-configuration.js";
import { backupSessionController } from "./backup-session.js";
import { repositoryController } from "./repository.js";
import { restoreSessionController } from "./restore-session.js";

/** Every kind the watcher reconciles: one controller each, one informer and one work queue each. */
export const CONTROLLERS: readonly ControllerFactory[] = [
  repositoryController,
  backupConfigurationController,
  backupSessionController,
  restoreSessionController,
];
