import { loadAll, YAMLException } from "js-yaml";
import { UsageError } from "../target.js";
import type { MigrationReport } from "./report.js";

/** A Kubernetes object as read from YAML, nothing checked beyond its being a mapping. */
export interface Obj {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: { name?: unknown; namespace?: unknown; labels?: unknown; annotations?: unknown };
  [key: string]: unknown;
}

/** The objects a migration reads, by what they are. */
export interface StashInput {
  repositories: Obj[];
  backupConfigurations: Obj[];
  secrets: Obj[];
}

export const STASH_GROUP = "stash.appscode.com";
export const STASH_REPOSITORY_VERSION = `${STASH_GROUP}/v1alpha1`;
export const STASH_BACKUP_CONFIGURATION_VERSION = `${STASH_GROUP}/v1beta1`;

const RBAC = "the dump workers read the cluster with the chart's own ServiceAccount and ClusterRole";
/** Why an object of a kind (or of a Stash kind) is left out. */
const LEFT_OUT: Record<string, string> = {
  ServiceAccount: RBAC,
  ClusterRole: RBAC,
  ClusterRoleBinding: RBAC,
  Role: RBAC,
  RoleBinding: RBAC,
  [`${STASH_GROUP}/BackupSession`]: "a record of one Stash run; kubedump's scheduler makes its own BackupSessions",
  [`${STASH_GROUP}/RestoreSession`]:
    "the KubeDump addon cannot restore; kubedump restores with `kubedump restore` or its own RestoreSession (docs/restore.md)",
  [`${STASH_GROUP}/BackupBatch`]: "kubedump has no BackupBatch: one BackupConfiguration per target",
  [`${STASH_GROUP}/BackupBlueprint`]: "kubedump has no blueprints: one BackupConfiguration per target",
  [`${STASH_GROUP}/Task`]: "Stash's addon machinery; kubedump has one built-in task",
  [`${STASH_GROUP}/Function`]: "Stash's addon machinery; kubedump has one built-in task",
};

/** `Kind ns/name` (or `Kind name`) for messages; Stash's kinds as `Stash Kind ns/name`. */
export function describe(obj: Obj): string {
  const stash = typeof obj.apiVersion === "string" && obj.apiVersion.startsWith(`${STASH_GROUP}/`) ? "Stash " : "";
  const kind = `${stash}${typeof obj.kind === "string" ? obj.kind : "(no kind)"}`;
  const name = typeof obj.metadata?.name === "string" ? obj.metadata.name : "(no name)";
  const ns = typeof obj.metadata?.namespace === "string" ? `${obj.metadata.namespace}/` : "";
  return `${kind} ${ns}${name}`;
}

/**
 * Every document of every source, `List`s flattened. A YAML error names the source, line and
 * column and the parser's reason, never the text around it: that text may be a Secret's value.
 */
export function parseSources(sources: readonly { name: string; text: string }[]): Obj[] {
  const out: Obj[] = [];
  for (const { name, text } of sources) {
    let docs: unknown[];
    try {
      docs = loadAll(text);
    } catch (err) {
      if (!(err instanceof YAMLException)) throw err;
      const at = err.mark ? ` at line ${err.mark.line + 1}, column ${err.mark.column + 1}` : "";
      throw new UsageError(`${name}: not YAML${at}: ${err.reason}`);
    }
    docs.forEach((doc, i) => {
      if (doc === null || doc === undefined) return;
      if (typeof doc !== "object" || Array.isArray(doc))
        throw new UsageError(`${name}: document ${i + 1} is not a Kubernetes object (a mapping)`);
      out.push(...flatten(doc as Obj));
    });
  }
  return out;
}

function flatten(doc: Obj): Obj[] {
  if (typeof doc.kind === "string" && doc.kind.endsWith("List") && Array.isArray(doc.items)) {
    return (doc.items as unknown[]).filter((i): i is Obj => typeof i === "object" && i !== null).flatMap(flatten);
  }
  return [doc];
}

/** Sorts the objects into what a migration reads; everything else goes into the report as skipped. */
export function classify(objects: readonly Obj[], report: MigrationReport): StashInput {
  const input: StashInput = { repositories: [], backupConfigurations: [], secrets: [] };
  for (const obj of objects) {
    const { apiVersion, kind } = obj;
    if (apiVersion === STASH_REPOSITORY_VERSION && kind === "Repository") input.repositories.push(obj);
    else if (apiVersion === STASH_BACKUP_CONFIGURATION_VERSION && kind === "BackupConfiguration")
      input.backupConfigurations.push(obj);
    else if (apiVersion === "v1" && kind === "Secret") input.secrets.push(obj);
    else report.add(describe(obj), "skipped", undefined, leftOutReason(obj));
  }
  return input;
}

function leftOutReason(obj: Obj): string {
  const group = typeof obj.apiVersion === "string" ? obj.apiVersion.split("/")[0] : "";
  const kind = String(obj.kind);
  const reason = LEFT_OUT[`${group}/${kind}`] ?? LEFT_OUT[kind];
  if (reason) return reason;
  if (group === STASH_GROUP && (kind === "Repository" || kind === "BackupConfiguration")) {
    const want = kind === "Repository" ? STASH_REPOSITORY_VERSION : STASH_BACKUP_CONFIGURATION_VERSION;
    return `apiVersion ${String(obj.apiVersion)}: only ${want} is read`;
  }
  return "not a Stash Repository, BackupConfiguration or storage Secret";
}
