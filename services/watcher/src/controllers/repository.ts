import { ConditionReason, ConditionType, validateRepository } from "@kubedump/api";
import { type KubeObject, readSecret } from "@kubedump/kube";
import { checkSecret } from "../checks.js";
import { type Controller, type ControllerDeps, done, type ReconcileResult } from "../controller.js";
import { type ConditionInput, writeStatus } from "../status-writer.js";
import { readyIsStale } from "./ready.js";
import { enqueueScheduleSync } from "./schedule-sync.js";

/** The backend did not answer; the Repository's status says so, and the reconcile is retried with backoff. */
export class BackendUnreachableError extends Error {
  override name = "BackendUnreachableError";
}

/**
 * Repository: its Secret has the keys the backend needs, and the backend answers. Writes phase,
 * SecretFound, BackendReachable and the summary Ready. An unreachable backend is retried with
 * backoff; a wrong spec (a bad spec.verify.schedule among them), Secret or password waits for a
 * change (or the next resync: Secrets are not watched). First it asks the scheduler to sync the
 * Repository's verify job scheduler, also when the Repository was deleted.
 */
export function repositoryController(deps: ControllerDeps): Controller {
  return {
    kind: "Repository",
    wants: readyIsStale,
    async reconcile(key, obj) {
      await enqueueScheduleSync(deps, "verify", key);
      return obj ? reconcileRepository(deps, obj) : done();
    },
  };
}

async function reconcileRepository(deps: ControllerDeps, obj: KubeObject): Promise<ReconcileResult> {
  const v = validateRepository(obj);
  if (!v.ok) {
    const message = v.errors.join("; ");
    const invalid: ConditionInput = {
      type: ConditionType.BackendReachable,
      status: "False",
      reason: ConditionReason.InvalidSpec,
      message,
    };
    await writeStatus(deps, "Repository", obj, { phase: "NotReady", conditions: [invalid], ready: true });
    return done();
  }
  const secret = await checkSecret(deps.client, v.value);
  const secretFound: ConditionInput = {
    type: ConditionType.SecretFound,
    status: secret.ok ? "True" : "False",
    reason: secret.reason,
    message: secret.message,
  };
  if (!secret.ok) {
    await writeStatus(deps, "Repository", obj, { phase: "NotReady", conditions: [secretFound], ready: true });
    return done();
  }
  const namespace = obj.metadata.namespace ?? "default";
  const name = v.value.spec.storageSecretName;
  const data = name ? ((await readSecret(deps.client, namespace, name)) ?? {}) : {};
  let failure: Error | undefined;
  try {
    await deps.probeRepository(v, data);
  } catch (err) {
    failure = err as Error;
  }
  const wrongPassword = failure?.name === "WrongPasswordError";
  const reachable: ConditionInput = failure
    ? {
        type: ConditionType.BackendReachable,
        status: "False",
        reason: wrongPassword ? ConditionReason.WrongPassword : ConditionReason.BackendUnreachable,
        message: failure.message,
      }
    : {
        type: ConditionType.BackendReachable,
        status: "True",
        reason: ConditionReason.BackendReachable,
        message: "the backend answered and repository.json is readable",
      };
  const phase = failure ? "NotReady" : "Ready";
  await writeStatus(deps, "Repository", obj, { phase, conditions: [secretFound, reachable], ready: true });
  if (failure && !wrongPassword)
    throw new BackendUnreachableError(`Repository ${namespace}/${obj.metadata.name}: ${failure.message}`, {
      cause: failure,
    });
  return done();
}
