import { validateBackupConfiguration, validateRepository, type Validation } from "@kubedump/api";
import { type Fields, isRecord, namespaceOf, qualified, str } from "./objects.js";
import { MigrationReport } from "./report.js";
import { convertBackupConfiguration, isKubeDump } from "./stash-backup-configuration.js";
import { classify, describe, type Obj, type StashInput } from "./stash-input.js";
import { convertRepository } from "./stash-repository.js";

export interface MigrationOptions {
  /** Write copies of the storage Secrets (their values are never printed). */
  includeSecrets: boolean;
}

export interface Migration {
  /** Secrets, then Repositories, then BackupConfigurations: the order to apply them in. */
  objects: Fields[];
  report: MigrationReport;
}

type Note = ReturnType<MigrationReport["for"]>;

/** `kind ns/name` of a written object. */
export function writtenName(obj: Fields): string {
  const meta = isRecord(obj.metadata) ? obj.metadata : {};
  return `${String(obj.apiVersion)} ${String(obj.kind)} ${qualified(str(meta.namespace), String(meta.name))}`;
}

function valid(obj: Fields, validate: (o: unknown) => Validation<unknown>, note: Note): boolean {
  const result = validate(obj);
  if (result.ok) return true;
  note(
    "skipped",
    undefined,
    `the converted ${String(obj.kind)} fails kubedump's validation: ${result.errors.join("; ")}`,
  );
  return false;
}

/** What a migration has made so far, and which Stash objects it used. */
interface State {
  input: StashInput;
  options: MigrationOptions;
  report: MigrationReport;
  secrets: Fields[];
  repositories: Fields[];
  configurations: Fields[];
  /** `ns/name` of the kubedump BackupConfigurations and Repositories made (or tried). */
  configurationNames: Set<string>;
  repositoryNames: Set<string>;
  usedRepos: Set<Obj>;
}

/**
 * The kubedump objects equivalent to the KubeDump BackupConfigurations of `objects`, with the
 * Repositories they use and (with `includeSecrets`) copies of their storage Secrets. Every object
 * returned passes kubedump's validation; everything not carried over is in the report, with why.
 */
export function migrateStash(objects: readonly Obj[], options: MigrationOptions): Migration {
  const report = new MigrationReport();
  const input = classify(objects, report);
  const state: State = {
    input,
    options,
    report,
    secrets: [],
    repositories: [],
    configurations: [],
    configurationNames: new Set(),
    repositoryNames: new Set(),
    usedRepos: new Set(),
  };
  for (const stash of input.backupConfigurations) migrateBackupConfiguration(stash, state);
  reportUnused(input, state.usedRepos, report);
  return { objects: [...state.secrets, ...state.repositories, ...state.configurations], report };
}

function migrateBackupConfiguration(stash: Obj, state: State): void {
  const note = state.report.for(describe(stash));
  if (!isKubeDump(stash, note)) return;
  const key = qualified(namespaceOf(stash), String(stash.metadata?.name));
  if (state.configurationNames.has(key)) {
    note("skipped", undefined, "an earlier BackupConfiguration of the input has the same namespace and name");
    return;
  }
  state.configurationNames.add(key);
  const bc = convertBackupConfiguration(stash, note);
  if (!valid(bc, validateBackupConfiguration, note)) return;
  state.configurations.push(bc);
  migrateRepository(stash, state, note);
}

/** The Repository a migrated BackupConfiguration uses, written into its namespace once. */
function migrateRepository(stash: Obj, state: State, note: Note): void {
  const namespace = namespaceOf(stash);
  const ref = isRecord(stash.spec) && isRecord(stash.spec.repository) ? stash.spec.repository : {};
  const name = String(ref.name);
  const repoNs = str(ref.namespace) ?? namespace;
  const target = qualified(namespace, name);
  if (state.repositoryNames.has(target)) return;
  state.repositoryNames.add(target);
  const stashRepo = state.input.repositories.find((r) => r.metadata?.name === name && namespaceOf(r) === repoNs);
  if (!stashRepo) {
    note(
      "action",
      "spec.repository",
      `Stash Repository ${qualified(repoNs, name)} is not in the input: add it, or write kubedump Repository ${target} yourself`,
    );
    return;
  }
  state.usedRepos.add(stashRepo);
  const label = `${describe(stashRepo)}${repoNs === namespace ? "" : ` (as ${target})`}`;
  const ctx = { secrets: state.input.secrets, includeSecrets: state.options.includeSecrets };
  const repo = convertRepository(stashRepo, namespace, ctx, state.report.for(label));
  if (!repo || !valid(repo.repository, validateRepository, state.report.for(label))) {
    note("action", "spec.repository", `write kubedump Repository ${target} yourself: see ${label}`);
    return;
  }
  state.repositories.push(repo.repository);
  if (repo.secret) state.secrets.push(repo.secret);
}

function reportUnused(input: StashInput, usedRepos: ReadonlySet<Obj>, report: MigrationReport): void {
  const usedSecrets = new Set<string>();
  for (const repo of input.repositories) {
    if (!usedRepos.has(repo)) {
      report.add(describe(repo), "skipped", undefined, "no KubeDump BackupConfiguration of the input uses it");
      continue;
    }
    const backend = isRecord(repo.spec) && isRecord(repo.spec.backend) ? repo.spec.backend : {};
    const secret = str(backend.storageSecretName);
    if (secret) usedSecrets.add(qualified(namespaceOf(repo), secret));
  }
  for (const secret of input.secrets) {
    if (!usedSecrets.has(qualified(namespaceOf(secret), String(secret.metadata?.name))))
      report.add(describe(secret), "skipped", undefined, "not the storage Secret of a migrated Repository");
  }
}
