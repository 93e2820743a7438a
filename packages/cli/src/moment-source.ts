import { yamlLoad } from "@kubedump/dump/yaml-load";
import { type ObjectStore, openRepository, type Repository } from "@kubedump/repository";
import type { IndexOwnerReference } from "@kubedump/repository/archive";
import { type Format2Keys, format2Of } from "@kubedump/repository/format2";
import {
  type JournalExtent,
  JournalReader,
  type JournalState,
  listJournalScopes,
  type Moment,
  type MomentObject,
  MomentRepository,
  NoAnchorError,
  openJournalKeys,
  scopeIdOf,
  type StateObject,
} from "@kubedump/repository/journal";
import { pathFor, type SnapshotManifest } from "@kubedump/repository/snapshot";
import type { Command } from "commander";
import { scopeText } from "./commands/snapshots.js";
import { printable } from "./format.js";
import { iso, parseMoment } from "./moment-time.js";
import { openRepo, type RepoFlags, repoSource } from "./repo-source.js";
import { UsageError } from "./target.js";

export interface MomentFlags extends RepoFlags {
  /** One --at, or several (diff). */
  at?: string | string[];
  /** Which journal, when the repository holds several: a BackupConfiguration or a scope. */
  journal?: string;
}

export const AT_HELP =
  "the state at this moment, from the newest snapshot before it and the journal of continuous capture: RFC 3339 " +
  'with a zone ("2026-11-26T02:00:00Z", "…+01:00") or a time ago ("-15m", "2h ago")';
export const JOURNAL_HELP =
  "with --at, when the repository holds journals of several scopes: the one whose snapshots BackupConfiguration " +
  "<[namespace/]name> made, or the one of scope <selector> as `kubedump snapshots` shows it (cluster, " +
  "namespace/<ns>, app/<kind.group>/<name>)";

/** `--at` (repeatable when `many`) and `--journal`. */
export function momentOptions(cmd: Command, many = false): Command {
  if (many) cmd.option("--at <time>", `${AT_HELP} (twice: two moments)`, (v: string, p: string[]) => [...p, v], []);
  else cmd.option("--at <time>", AT_HELP);
  return cmd.option("--journal <selector>", JOURNAL_HELP);
}

/** The --at values given, in order. */
export function atValues(flags: MomentFlags): string[] {
  return flags.at === undefined ? [] : Array.isArray(flags.at) ? flags.at : [flags.at];
}

/** A journal scope with the snapshots that anchor it. */
interface Candidate {
  journal: JournalExtent;
  snapshots: SnapshotManifest[];
}

export interface OpenedMoments {
  /** The repository with each moment readable as a snapshot of id `ids[i]`. */
  repository: MomentRepository;
  ids: string[];
}

/**
 * The repository of `--repo`/`--from-repository` with the state at each of `values` (--at)
 * readable as a snapshot, for download, diff and restore to read through their usual path. The
 * journal's scope is the one with a journal among the scopes of the repository's snapshots (with
 * several, `--journal` picks). Warnings (gaps in the replayed window, a journal that ends before the
 * moment) go to `warn`. Errors name --at or --journal.
 */
export async function openMoments(
  cmd: Command,
  flags: MomentFlags,
  values: readonly string[],
  warn: (line: string) => void,
  now = Date.now(),
): Promise<OpenedMoments> {
  const times = values.map((v) => parseMoment(v, now));
  const source = await repoSource(cmd, flags);
  const base = await openRepository(source);
  if (!format2Of(base))
    throw new UsageError(
      "--at: the repository is format 1; journals are kept in format 2 (kubedump migrate-repository)",
    );
  const snapshots = (await base.scanSnapshots()).snapshots.filter((s) => s.formatVersion === 2);
  if (snapshots.length === 0) throw new UsageError("--at: the repository has no format-2 snapshot to start from");
  const keys = await openJournalKeys(source);
  const candidate = pickScope(await candidates(source.store, keys, snapshots), flags.journal);
  const [first] = candidate.snapshots;
  const reader = new JournalReader({ store: source.store, keys, scope: first as SnapshotManifest });
  const moments: Moment[] = [];
  for (const [i, time] of times.entries()) {
    const state = await stateOf(reader, time, values[i] as string, candidate);
    if (time > candidate.journal.end + 60_000)
      warn(
        `--at ${iso(time)}: the journal's newest record is at ${iso(candidate.journal.end)}; changes after it are not known`,
      );
    for (const gap of state.gaps)
      warn(
        `--at ${iso(time)}: a ${gap.reason} gap from ${iso(gap.from)} to ${iso(gap.to)}: changes there are known ` +
          "only by their outcome",
      );
    moments.push(await momentOf(reader, state, candidate.snapshots));
  }
  return { repository: new MomentRepository(base, moments), ids: moments.map((m) => m.manifest.id) };
}

async function candidates(
  store: ObjectStore,
  keys: Format2Keys | null,
  snapshots: SnapshotManifest[],
): Promise<Candidate[]> {
  const journals = await listJournalScopes(store);
  const byScope = new Map<string, SnapshotManifest[]>();
  for (const s of snapshots) {
    const id = scopeIdOf(keys, s);
    byScope.set(id, [...(byScope.get(id) ?? []), s]);
  }
  const found: Candidate[] = [];
  for (const journal of journals.values()) {
    const anchors = byScope.get(journal.scopeId);
    if (anchors) found.push({ journal, snapshots: anchors.sort((a, b) => Date.parse(a.time) - Date.parse(b.time)) });
  }
  if (found.length === 0)
    throw new UsageError(
      journals.size === 0
        ? "--at: the repository holds no journal (continuous capture records one: the recorder)"
        : `--at: none of the repository's ${journals.size} journals has a snapshot of its scope to start from`,
    );
  return found;
}

/** The BackupConfigurations whose sessions made a candidate's snapshots: "demo/nightly". */
function configsOf(candidate: Candidate): string[] {
  const names = candidate.snapshots.flatMap((s) =>
    s.source.invoker?.startsWith("BackupConfiguration/")
      ? [`${s.source.namespace ?? ""}/${s.source.invoker.slice("BackupConfiguration/".length)}`]
      : [],
  );
  return [...new Set(names)].sort();
}

function describeCandidate(c: Candidate): string {
  const params = Object.entries(c.snapshots[0]?.params ?? {}).map(([k, v]) => `${k}=${v}`);
  const configs = configsOf(c);
  return (
    `${scopeOf(c)}${params.length ? ` (${params.join(", ")})` : ""}: ` +
    `journal ${iso(c.journal.start)} to ${iso(c.journal.end)}, ${c.snapshots.length} snapshots, ` +
    `--journal ${[scopeOf(c), ...configs].join(" or ")}`
  );
}

function scopeOf(c: Candidate): string {
  return scopeText(c.snapshots[0]?.scope ?? { type: "cluster" });
}

/** The one candidate, or the one `selector` names; a UsageError listing them otherwise. */
function pickScope(found: Candidate[], selector: string | undefined): Candidate {
  const named = (c: Candidate) =>
    scopeOf(c) === selector || configsOf(c).some((name) => name === selector || name.endsWith(`/${selector}`));
  const picked = selector === undefined ? found : found.filter(named);
  if (picked.length === 1) return picked[0] as Candidate;
  const list = found.map((c) => `\n  ${printable(describeCandidate(c))}`).join("");
  if (selector !== undefined && picked.length === 0)
    throw new UsageError(`--journal "${selector}": names none of the repository's journals:${list}`);
  throw new UsageError(
    `--at: the repository holds journals of ${picked.length} scopes; pick one with --journal:${list}`,
  );
}

async function stateOf(reader: JournalReader, time: number, value: string, c: Candidate): Promise<JournalState> {
  const oldest = Math.min(...c.snapshots.map((s) => Date.parse(s.completedAt)));
  if (time < oldest)
    throw new UsageError(
      `--at "${value}": ${iso(time)} is before the state is known: the oldest snapshot of the journal's scope, ` +
        `${c.snapshots[0]?.id}, completed at ${iso(oldest)}`,
    );
  return reader.stateAt(time).catch((err: unknown) => {
    throw err instanceof NoAnchorError ? new UsageError(`--at "${value}": ${err.message}`, { cause: err }) : err;
  });
}

/** The state's objects read (each checked against its blob id) and described as index records. */
async function momentOf(reader: JournalReader, state: JournalState, snapshots: SnapshotManifest[]): Promise<Moment> {
  const anchor = snapshots.find((s) => s.id === state.anchor?.id) ?? (snapshots[0] as SnapshotManifest);
  const byBlob = new Map<string, StateObject["ref"][]>();
  for (const { blob, ref } of state.objects.values()) byBlob.set(blob, [...(byBlob.get(blob) ?? []), ref]);
  const objects: MomentObject[] = [];
  await reader.eachBlob(byBlob.keys(), (blob, data) => {
    for (const ref of byBlob.get(blob) ?? []) objects.push({ record: recordOf(ref, data), data });
  });
  const { source, cluster, scope, params } = anchor;
  const time = iso(state.time);
  return { manifest: { id: `@${time}`, time, source, cluster, scope, params, warnings: [] }, objects };
}

/** The index record of an object of the state: kind and owners from its YAML, the rest from its ref. */
function recordOf(ref: StateObject["ref"], data: Buffer): MomentObject["record"] {
  const value = yamlLoad(data.toString("utf8")) as { kind?: unknown; metadata?: { ownerReferences?: unknown } };
  const kind = typeof value?.kind === "string" ? value.kind : "";
  const owners = Array.isArray(value?.metadata?.ownerReferences)
    ? (value.metadata.ownerReferences as IndexOwnerReference[]).map(({ apiVersion, kind, name, uid, controller }) => ({
        apiVersion,
        kind,
        name,
        uid,
        ...(controller === undefined ? {} : { controller }),
      }))
    : undefined;
  const { group, version, resource, namespace, name, uid } = ref;
  return {
    path: pathFor(ref),
    group,
    version,
    resource,
    kind,
    ...(namespace === undefined ? {} : { namespace }),
    name,
    uid,
    ...(owners ? { ownerReferences: owners } : {}),
  };
}

/** Warnings of --at go to stderr. */
export const warnOnStderr = (line: string) => process.stderr.write(`warning: ${printable(line)}\n`);

/**
 * The repository and the snapshot id a command reads: `<id>` as given, or the moment `--at` names
 * (then `id` is the moment's, and names it in messages). Exactly one of them.
 */
export async function snapshotOrMoment(
  cmd: Command,
  flags: MomentFlags,
  id: string | undefined,
  warn = warnOnStderr,
): Promise<{ repository: Repository; id: string }> {
  const at = atValues(flags);
  if (at.length > 1) throw new UsageError("--at: give it once");
  if (flags.journal !== undefined && at.length === 0) throw new UsageError("--journal works with --at only");
  if (id !== undefined && at.length > 0) throw new UsageError(`give a snapshot id or --at, not both ("${id}", --at)`);
  if (id === undefined && at.length === 0) throw new UsageError("give a snapshot id, or --at <time>");
  if (id !== undefined) return { repository: await openRepo(cmd, flags), id };
  const { repository, ids } = await openMoments(cmd, flags, at, warn);
  return { repository, id: ids[0] as string };
}

/** How a message names a snapshot id or a moment's: "snapshot <id>", or "the state at <time>". */
export function snapshotLabel(id: string): string {
  return id.startsWith("@") ? `the state at ${id.slice(1)}` : `snapshot ${id}`;
}
