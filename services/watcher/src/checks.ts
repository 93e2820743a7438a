import {
  type BackupConfiguration,
  ConditionReason,
  ConditionType,
  crPath,
  type Repository,
  validateBackupConfiguration,
  validateRepository,
} from "@kubedump/api";
import { isNotFound, type KubeClient, type KubeObject, readSecret } from "@kubedump/kube";
import type { ConditionInput } from "./status-writer.js";

export interface CheckResult {
  phase: string;
  conditions: ConditionInput[];
  /** One line naming the field and the problem, for status and logs. */
  message?: string;
}

const S3_KEYS = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] as const;
/** Why an s3 backend without keys is fine: its credentials come from the Pods' identity. */
const FROM_THE_CHAIN =
  "S3 credentials come from the AWS chain of the watcher's and dump workers' Pods (web identity, container credentials, instance metadata)";

/**
 * The Secret a Repository names, with the keys its backend needs; a message naming what is
 * missing otherwise. An s3 backend takes both keys or neither: without them (or without a
 * Secret), credentials come from the AWS chain, and reaching the backend is the probe's to show.
 */
export async function checkSecret(
  client: KubeClient,
  repo: Repository,
): Promise<{ ok: boolean; reason: string; message: string }> {
  const ns = repo.metadata.namespace ?? "default";
  const name = repo.spec.storageSecretName;
  if (!name) {
    const message = repo.spec.backend.s3
      ? `no storageSecretName: ${FROM_THE_CHAIN}`
      : "a local backend needs no Secret";
    return { ok: true, reason: ConditionReason.SecretFound, message };
  }
  const data = await readSecret(client, ns, name);
  if (!data)
    return {
      ok: false,
      reason: ConditionReason.SecretNotFound,
      message: `spec.storageSecretName: Secret ${ns}/${name} not found`,
    };
  const missing = repo.spec.backend.s3 ? S3_KEYS.filter((k) => !data[k]) : [];
  if (missing.length === 1) {
    return {
      ok: false,
      reason: ConditionReason.SecretKeyMissing,
      message: `spec.storageSecretName: Secret ${ns}/${name} has no ${missing.join(", ")}`,
    };
  }
  return {
    ok: true,
    reason: ConditionReason.SecretFound,
    message: missing.length
      ? `Secret ${ns}/${name} has no AWS keys: ${FROM_THE_CHAIN}`
      : `Secret ${ns}/${name} has the keys the backend needs`,
  };
}

/**
 * Invalid: the spec itself is wrong (cron, time zone, params, ...). NotReady: the spec is fine but
 * its Repository or that Repository's Secret is missing. Ready otherwise.
 */
export async function checkConfiguration(client: KubeClient, obj: KubeObject): Promise<CheckResult> {
  const valid = validateBackupConfiguration(obj);
  if (!valid.ok) {
    const message = valid.errors.join("; ");
    const specValid: ConditionInput = {
      type: ConditionType.SpecValid,
      status: "False",
      reason: ConditionReason.InvalidSpec,
      message,
    };
    return { phase: "Invalid", conditions: [specValid], message };
  }
  const specValid: ConditionInput = {
    type: ConditionType.SpecValid,
    status: "True",
    reason: ConditionReason.Valid,
    message: "the spec is valid",
  };
  const ns = obj.metadata.namespace ?? "default";
  const problem = await repositoryProblem(client, ns, valid.value);
  const repositoryReady: ConditionInput = problem
    ? { type: ConditionType.RepositoryReady, status: "False", ...problem }
    : {
        type: ConditionType.RepositoryReady,
        status: "True",
        reason: ConditionReason.RepositoryReady,
        message: `Repository ${ns}/${valid.value.spec.repository.name} is usable`,
      };
  const conditions = [specValid, repositoryReady];
  return problem ? { phase: "NotReady", conditions, message: problem.message } : { phase: "Ready", conditions };
}

/** Why the configuration's Repository cannot be used (missing, or its Secret is), or undefined. */
async function repositoryProblem(
  client: KubeClient,
  ns: string,
  config: BackupConfiguration,
): Promise<{ reason: string; message: string } | undefined> {
  const repoName = config.spec.repository.name;
  let repo: Repository | undefined;
  try {
    const got = validateRepository(await client.get<unknown>(crPath("Repository", ns, repoName)));
    if (got.ok) repo = got.value;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  if (!repo)
    return {
      reason: ConditionReason.RepositoryNotFound,
      message: `spec.repository.name: Repository ${ns}/${repoName} not found`,
    };
  const secret = await checkSecret(client, repo);
  if (!secret.ok)
    return { reason: ConditionReason.RepositoryNotReady, message: `Repository ${ns}/${repoName}: ${secret.message}` };
  return undefined;
}
