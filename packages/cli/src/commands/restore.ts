import type { Command } from "commander";
import { createKubeClient } from "@kubedump/kube";
import {
  DEFAULT_CONCURRENCY,
  describeProgress,
  objectNameOf,
  outcomeRecord,
  type RestoreProgress,
  type RestoreReport,
  renderReport,
  restoreSnapshot,
} from "@kubedump/restore";
import { RestoreFailedError } from "../errors.js";
import { printable } from "../format.js";
import { createLiveLine, noProgress } from "../progress.js";
import { type MomentFlags, momentOptions, snapshotOrMoment } from "../moment-source.js";
import { repoOptions } from "../repo-source.js";
import { namingTheFlag, type RestoreFlags, restoreOptionsFromFlags } from "../restore-options.js";
import { UsageError } from "../target.js";
import { type ClusterFlags, clientOptions, clusterOptions, type RateDefaults } from "./cluster-options.js";

interface RestoreCommandFlags extends RestoreFlags, ClusterFlags, MomentFlags {
  output?: string;
}

/**
 * A restore into an empty cluster sends one request an object, DEFAULT_CONCURRENCY in flight, and
 * an API server on two cores creates 1,300-1,700 small objects a second: the reading commands'
 * 50/100 would hold it to 50 objects/s, and 1000/2000 held it to 1,000 (measured: docs/restore.md,
 * "Rate limit"). So the writes in flight bound it, and this is only a net against a runaway.
 */
export const RESTORE_RATE: RateDefaults = { qps: 5000, burst: 10000 };

export function restoreCommand(program: Command): void {
  const cmd = program
    .command("restore [id]")
    .description(
      "restore a snapshot's objects, or those of the state at a moment (--at), into the cluster: all of them " +
        "(default), some namespaces, or one application by label",
    )
    .option("-l, --selector <selector>", "label selector every object must match (a=b,c!=d,e in (x,y))")
    .option("--or-selector <selector>", "keep objects matching any of these selectors (repeatable)", collect, [])
    .option("--include-namespaces <globs>", "comma-separated namespace globs (the snapshot's names) to restore")
    .option("--exclude-namespaces <globs>", "comma-separated namespace globs to leave out")
    .option("--include-resources <list>", "comma-separated resource[.group] names (globs allowed) to restore")
    .option("--exclude-resources <list>", "comma-separated resource[.group] names (globs allowed) to leave out")
    .option("--ignore-group-kinds <list>", "comma-separated Kind[.group] to leave out")
    .option("--namespace-mappings <old:new,...>", "restore namespace old as new (its objects and references move)")
    .option(
      "--existing-resource-policy <policy>",
      "none (default): leave an existing object as it is; update: make it equal by server-side apply",
    )
    .option("--dry-run", "send every write with dryRun=All: the API server checks it and keeps nothing")
    .option("--skip-owned", "leave objects whose controller owner is restored for that controller to recreate")
    .option("--restore-status <list>", "comma-separated resource[.group] whose status is written too")
    .option("-o, --output <format>", "json: one JSON record per object on stdout instead of the report");
  repoOptions(clusterOptions(momentOptions(cmd), RESTORE_RATE)).action(
    async (given: string | undefined, flags: RestoreCommandFlags, self: Command) => {
      if (flags.output !== undefined && flags.output !== "json")
        throw new UsageError(`-o/--output "${flags.output}": only json (the default is the text report)`);
      const options = restoreOptionsFromFlags(flags);
      const json = flags.output === "json";
      const { repository, id } = await snapshotOrMoment(self, flags, given);
      const client = createKubeClient({ ...clientOptions(flags, RESTORE_RATE), maxSockets: DEFAULT_CONCURRENCY });
      // On a terminal only: with -o json, stdout is the records and stderr the summary.
      const progress = json
        ? noProgress<RestoreProgress>()
        : createLiveLine<RestoreProgress>(
            (p, secs) => {
              const rate = secs > 0 ? Math.round(p.objectsDone / secs) : 0;
              return `${describeProgress(p)}, ${rate} objects/s`;
            },
            { offTerminal: "quiet", stage: (p: RestoreProgress) => `${p.phase} ${p.pass} ${p.stepsDone}` },
          );
      const abort = new AbortController();
      const stop = () => abort.abort(new Error("interrupted: the restore stopped between writes"));
      process.once("SIGINT", stop);
      try {
        const report = await restoreSnapshot({
          client,
          repository,
          snapshotId: id,
          options,
          signal: abort.signal,
          onProgress: (p) => progress.update(p),
          onOutcome: json ? (o) => process.stdout.write(`${outcomeRecord(o, options.dryRun)}\n`) : undefined,
        }).catch((err: unknown) => {
          throw namingTheFlag(err);
        });
        progress.done();
        printReport(report, json);
      } finally {
        progress.done();
        process.off("SIGINT", stop);
        client.close();
      }
    },
  );
}

function printReport(report: RestoreReport, json: boolean): void {
  const totals = report.totals();
  if (json) {
    const summary = Object.entries(totals).map(([outcome, n]) => `${n} ${outcome}`);
    process.stderr.write(`${report.dryRun ? "dry run: " : ""}${summary.join(", ")}\n`);
    for (const w of report.warnings) process.stderr.write(`warning: ${printable(w)}\n`);
  } else process.stdout.write(`${printable(renderReport(report))}\n`);
  const failures = report.failures();
  if (failures.length) throw new RestoreFailedError(failures.map((f) => `${f.type} ${objectNameOf(f)}`));
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
