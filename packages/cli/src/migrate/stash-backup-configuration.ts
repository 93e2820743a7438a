import { API_VERSION, DEFAULT_TASK_NAME, TASK_PARAMS, type TaskParamName } from "@kubedump/api";
import { type Fields, isRecord, migratedMetadata, otherKeys, str } from "./objects.js";
import type { FindingKind } from "./report.js";
import type { Obj } from "./stash-input.js";

type Note = (kind: FindingKind, field: string | undefined, message: string) => void;

/** Stash's KubeDump addon installs its Task as `kubedump-backup-<addon version>`. */
export const STASH_KUBEDUMP_TASK = /^kubedump-backup-\S+$/;
/** Stash keeps one finished BackupSession when backupHistoryLimit is omitted. */
export const STASH_DEFAULT_HISTORY_LIMIT = 1;

/** The params of the `kubedump-backup` Function of Stash's catalog that kubedump takes as they are. */
const STASH_PARAMS: readonly TaskParamName[] = ["sanitize", "labelSelector", "includeDependants", "ignoreGroupKinds"];
const KEEP = ["keepLast", "keepHourly", "keepDaily", "keepWeekly", "keepMonthly", "keepYearly"] as const;

const HANDLED = [
  "repository",
  "schedule",
  "paused",
  "backupHistoryLimit",
  "timeOut",
  "retryConfig",
  "retentionPolicy",
  "task",
  "target",
  "driver",
];
const NOT_CARRIED: Record<string, string> = {
  runtimeSettings:
    "the backups run in the dump workers, set up by the chart's dumpWorker values (resources, securityContext, serviceAccount, nodeSelector, tolerations, affinity)",
  tempDir: "the dump workers spool archives to their scratch volume (the chart's dumpWorker.scratch)",
  interimVolumeTemplate: "the dump workers spool archives to their scratch volume (the chart's dumpWorker.scratch)",
  hooks: "kubedump runs no hooks before or after a backup",
};
const TARGET_FILE_FIELDS = "a setting of Stash's file backups; a KubeDump backup reads no files";

/** Is this BackupConfiguration one of the KubeDump addon's? Notes why not when it is not. */
export function isKubeDump(stash: Obj, note: Note): boolean {
  const spec = isRecord(stash.spec) ? stash.spec : {};
  const task = isRecord(spec.task) ? str(spec.task.name) : undefined;
  if (spec.driver !== undefined && spec.driver !== "Restic") {
    note("skipped", "spec.driver", `${String(spec.driver)}: not a KubeDump backup`);
    return false;
  }
  if (task === undefined || !STASH_KUBEDUMP_TASK.test(task)) {
    const what = task === undefined ? "no task (a workload data backup)" : `task ${task}`;
    note("skipped", "spec.task.name", `${what}: not the KubeDump addon; kubedump backs up resource manifests only`);
    return false;
  }
  return true;
}

/** A KubeDump BackupConfiguration as a kubedump BackupConfiguration; every field left behind is noted. */
export function convertBackupConfiguration(stash: Obj, note: Note): Fields {
  const spec = isRecord(stash.spec) ? stash.spec : {};
  const namespace = str(stash.metadata?.namespace);
  const out: Fields = { repository: { name: str(isRecord(spec.repository) ? spec.repository.name : undefined) } };
  const repoNs = isRecord(spec.repository) ? str(spec.repository.namespace) : undefined;
  if (repoNs !== undefined && repoNs !== namespace)
    note(
      "changed",
      "spec.repository.namespace",
      `the kubedump Repository is written into ${namespace ?? "the same namespace"}, where kubedump looks for it`,
    );
  Object.assign(out, schedule(spec.schedule, note));
  if (spec.paused !== undefined) out.paused = spec.paused;
  const target = convertTarget(spec.target, note);
  if (target) out.target = target;
  out.task = convertTask(isRecord(spec.task) ? spec.task : {}, note);
  const retention = convertRetention(spec.retentionPolicy, note);
  if (retention) out.retentionPolicy = retention;
  out.backupHistoryLimit = spec.backupHistoryLimit ?? STASH_DEFAULT_HISTORY_LIMIT;
  if (spec.backupHistoryLimit === undefined)
    note(
      "note",
      "spec.backupHistoryLimit",
      `Stash's default ${STASH_DEFAULT_HISTORY_LIMIT} written out (kubedump's default is 3)`,
    );
  if (spec.timeOut !== undefined) out.timeOut = spec.timeOut;
  if (isRecord(spec.retryConfig))
    out.retryConfig = { maxRetry: spec.retryConfig.maxRetry, delay: spec.retryConfig.delay };
  for (const key of otherKeys(spec, HANDLED))
    note("not carried", `spec.${key}`, NOT_CARRIED[key] ?? "no kubedump equivalent");
  return {
    apiVersion: API_VERSION,
    kind: "BackupConfiguration",
    metadata: migratedMetadata(stash, String(stash.metadata?.name), namespace),
    spec: out,
  };
}

/** `CRON_TZ=<zone> <cron>` (or `TZ=`), which Kubernetes CronJobs took, becomes schedule and timeZone. */
function schedule(value: unknown, note: Note): Fields {
  const text = str(value) ?? "";
  const zoned = /^\s*(?:CRON_TZ|TZ)=(\S+)\s+(.+)$/.exec(text);
  if (zoned) {
    note("changed", "spec.schedule", `the time zone ${zoned[1]} → spec.timeZone`);
    return { schedule: zoned[2], timeZone: zoned[1] };
  }
  note(
    "note",
    "spec.schedule",
    "runs in UTC, as Stash's CronJob did unless kube-controller-manager had another time zone; set spec.timeZone otherwise",
  );
  return { schedule: value };
}

function convertTarget(value: unknown, note: Note): Fields | undefined {
  if (value === undefined) {
    note("note", "spec.target", "omitted: the whole cluster, as in Stash");
    return undefined;
  }
  const target = isRecord(value) ? value : {};
  for (const key of otherKeys(target, ["ref"])) note("not carried", `spec.target.${key}`, TARGET_FILE_FIELDS);
  const ref = isRecord(target.ref) ? target.ref : {};
  const isNamespace = ref.kind === "Namespace" && (ref.apiVersion === "v1" || ref.apiVersion === undefined);
  if (isNamespace) {
    if (ref.namespace !== undefined) note("not carried", "spec.target.ref.namespace", "a Namespace has no namespace");
    note("note", "spec.target", `the namespace ${String(ref.name)}, as in Stash`);
    return { ref: { apiVersion: "v1", kind: "Namespace", name: ref.name } };
  }
  const out: Fields = { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name };
  if (ref.namespace !== undefined) out.namespace = ref.namespace;
  note("note", "spec.target", `the application ${String(ref.kind)} ${String(ref.name)}, as in Stash`);
  for (const key of otherKeys(ref, ["apiVersion", "kind", "name", "namespace"]))
    note("not carried", `spec.target.ref.${key}`, "no kubedump equivalent");
  return { ref: out };
}

function convertTask(task: Fields, note: Note): Fields {
  note("changed", "spec.task.name", `${String(task.name)} → ${DEFAULT_TASK_NAME}: kubedump's one task`);
  const params: { name: string; value: string }[] = [];
  const list = Array.isArray(task.params) ? task.params : [];
  list.forEach((param: unknown, i) => {
    const field = `spec.task.params[${i}]`;
    const name = isRecord(param) ? str(param.name) : undefined;
    const raw = isRecord(param) ? param.value : undefined;
    if (name === undefined || !(STASH_PARAMS as readonly string[]).includes(name)) {
      const why =
        name === "outputDir" ? "set by Stash's Task for its own steps" : "not a param of Stash's KubeDump addon";
      note("not carried", field, `${name ?? "(no name)"}: ${why}`);
      return;
    }
    const value = typeof raw === "string" ? raw : String(raw ?? "");
    const parsed = TASK_PARAMS[name as TaskParamName].parse(value);
    if ("error" in parsed) {
      note("not carried", field, `${name} "${value}": ${parsed.error}`);
      return;
    }
    if (typeof raw !== "string") note("changed", field, `${name}: ${String(raw)} written as the string "${value}"`);
    params.push({ name, value });
  });
  return params.length > 0 ? { name: DEFAULT_TASK_NAME, params } : { name: DEFAULT_TASK_NAME };
}

function convertRetention(value: unknown, note: Note): Fields | undefined {
  if (!isRecord(value)) return undefined;
  const out: Fields = { name: value.name };
  for (const key of KEEP) if (value[key] !== undefined) out[key] = value[key];
  if (value.keepTags !== undefined)
    note("not carried", "spec.retentionPolicy.keepTags", "kubedump snapshots have no tags");
  if (!KEEP.some((key) => typeof value[key] === "number" && value[key] > 0)) {
    note(
      "not carried",
      "spec.retentionPolicy",
      "no keep rule above 0, which kubedump requires; without a policy every snapshot is kept",
    );
    return undefined;
  }
  out.prune = value.prune ?? false;
  if (value.prune === undefined)
    note(
      "note",
      "spec.retentionPolicy.prune",
      "Stash's default false written out (kubedump's default true also deletes the data of dropped snapshots)",
    );
  if (value.dryRun !== undefined) out.dryRun = value.dryRun;
  for (const key of otherKeys(value, ["name", ...KEEP, "keepTags", "prune", "dryRun"]))
    note("not carried", `spec.retentionPolicy.${key}`, "no kubedump equivalent");
  return out;
}
