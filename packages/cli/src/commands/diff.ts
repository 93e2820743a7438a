import { type Command, Option } from "commander";
import { liveSide, recordFilter } from "@kubedump/dump";
import { createKubeClient } from "@kubedump/kube";
import {
  type DiffOptions,
  type DiffSide,
  diffSides,
  type RecordFilter,
  resolveSnapshot,
  type SidesDiff,
  snapshotSide,
} from "@kubedump/repository";
import type { SnapshotManifest } from "@kubedump/repository/snapshot";
import { diffText, statText } from "../diff-text.js";
import { ExitStatus } from "../errors.js";
import { type FilterFlags, dumpOptionsFromFlags } from "../options.js";
import { outputOption, printData, REPORT_FORMATS } from "../output.js";
import { createProgressReporter, noProgress } from "../progress.js";
import { atValues, type MomentFlags, momentOptions, openMoments, warnOnStderr } from "../moment-source.js";
import { openRepo, repoOptions } from "../repo-source.js";
import { UsageError } from "../target.js";
import { clientOptions, type ClusterFlags, clusterOptions } from "./cluster-options.js";

type DiffFilterFlags = Pick<
  FilterFlags,
  "includeNamespaces" | "excludeNamespaces" | "includeResources" | "excludeResources" | "ignoreGroupKinds"
> & { includeClusterResources?: string };

interface DiffFlags extends DiffFilterFlags, ClusterFlags, MomentFlags {
  live?: boolean;
  stat?: boolean;
  unified: string;
  output?: string;
}

export const SNAPSHOT_REF_HELP = "a snapshot id, latest (the newest) or latest~N (N before the newest)";

/** The filters of `backup` that an index record can answer (no label selectors: the index has no labels). */
export function filterFlags(cmd: Command): Command {
  return cmd
    .option(
      "--include-namespaces <globs>",
      "only objects in these namespaces (comma-separated globs), and their Namespace objects",
    )
    .option("--exclude-namespaces <globs>", "leave out objects in these namespaces (comma-separated globs)")
    .option("--include-resources <list>", "only these comma-separated resource[.group] (globs allowed)")
    .option("--exclude-resources <list>", "leave out these comma-separated resource[.group] (globs allowed)")
    .option("--ignore-group-kinds <list>", "leave out these comma-separated Kind[.group]")
    .addOption(
      new Option("--include-cluster-resources <mode>", "cluster-scoped objects: true, false or auto").choices([
        "true",
        "false",
        "auto",
      ]),
    );
}

/** The comparison's filter, or undefined when no filter flag is given. */
export function recordFilterOf(flags: DiffFilterFlags): RecordFilter | undefined {
  const { includeNamespaces, excludeNamespaces, includeResources, excludeResources, ignoreGroupKinds } = flags;
  const given = [includeNamespaces, excludeNamespaces, includeResources, excludeResources, ignoreGroupKinds];
  if (given.every((f) => f === undefined) && flags.includeClusterResources === undefined) return undefined;
  return recordFilter(dumpOptionsFromFlags(flags).options);
}

/** `-U, --unified`: a whole number of lines. */
export function contextOf(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--unified "${value}": a whole number >= 0`);
  return n;
}

export function diffCommand(program: Command): void {
  const cmd = program
    .command("diff [a] [b]")
    .description(
      "what changed from snapshot <a> to snapshot <b>, or to the cluster as it is now (--live): objects added, " +
        "removed and changed, with a unified diff of each changed object's YAML. The indexes decide (sha256 per " +
        "object); only the parts holding changed objects are read. Snapshots: " +
        SNAPSHOT_REF_HELP +
        ". Moments (--at, once or twice) stand for snapshots: the state of the journal's scope then; snapshots come " +
        "first, then moments, then the cluster. Exit status: 0 no differences; 1 differences (as diff(1), nothing on stderr; an unforeseen failure " +
        "exits 1 too, with a message on stderr); 2 and above as for every command",
    )
    .option("--live", "compare <a> with the cluster now, dumped with <a>'s scope and params (as a backup now would)")
    .option("--stat", "counts per resource only, from the indexes: no part is read")
    .option("-U, --unified <n>", "unchanged lines shown around each change", "3");
  filterFlags(momentOptions(cmd, true)).addOption(outputOption(REPORT_FORMATS));
  repoOptions(clusterOptions(cmd)).action(
    async (a: string | undefined, b: string | undefined, flags: DiffFlags, self: Command) => {
      const refs = [a, b].filter((r) => r !== undefined);
      const at = atValues(flags);
      const sides = refs.length + at.length;
      if (flags.live && sides !== 1)
        throw new UsageError("--live compares with the cluster: give one snapshot (or one --at)");
      if (!flags.live && sides < 2)
        throw new UsageError("give a second snapshot, or --live (or --at <time>: a moment)");
      if (!flags.live && sides > 2) throw new UsageError("give two of: snapshots and --at moments");
      if (flags.journal !== undefined && at.length === 0) throw new UsageError("--journal works with --at only");
      const options = { filter: recordFilterOf(flags), stat: flags.stat, context: contextOf(flags.unified) };
      const opened = at.length ? await openMoments(self, flags, at, warnOnStderr) : undefined;
      const repository = opened?.repository ?? (await openRepo(self, flags));
      const ids = [
        ...(await Promise.all(refs.map(async (r) => (await resolveSnapshot(repository, r)).id))),
        ...(opened?.ids ?? []),
      ];
      const before = await repository.getSnapshot(ids[0] as string);
      const diff = flags.live
        ? await diffWithLive(snapshotSide(repository, before.id), before, flags, options)
        : await diffSides(snapshotSide(repository, before.id), snapshotSide(repository, ids[1] as string), options);
      if (!printData(flags.output, diff)) process.stdout.write(flags.stat ? statText(diff) : diffText(diff));
      const { added, removed, changed } = diff.counts;
      if (added + removed + changed > 0) throw new ExitStatus(1);
    },
  );
}

/** The snapshot against the cluster, dumped with its scope and params; progress on a terminal, warnings on stderr. */
async function diffWithLive(
  snapshot: DiffSide,
  manifest: SnapshotManifest,
  flags: DiffFlags,
  options: DiffOptions,
): Promise<SidesDiff> {
  const client = createKubeClient(clientOptions(flags));
  const text = flags.output === undefined || flags.output === "text";
  const progress = text ? createProgressReporter({ offTerminal: "quiet" }) : noProgress();
  try {
    const live = liveSide({ client, onProgress: (p) => progress.update(p) }, manifest);
    const diff = await diffSides(snapshot, live, options);
    progress.done();
    for (const w of live.warnings) process.stderr.write(`warning: live: ${w}\n`);
    return diff;
  } finally {
    progress.done();
    client.close();
  }
}
