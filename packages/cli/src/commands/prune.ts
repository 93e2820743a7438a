import { parseDuration } from "@kubedump/api";
import type { SweepResult } from "@kubedump/repository/snapshot";
import { type Format2Repository, format2Of, type PruneReport } from "@kubedump/repository/format2";
import type { Command } from "commander";
import { humanBytes } from "../format.js";
import { outputOption, printData, REPORT_FORMATS } from "../output.js";
import { openRepo, type RepoFlags, repoOptions } from "../repo-source.js";
import { UsageError } from "../target.js";

interface Flags extends RepoFlags {
  olderThan: string;
  dryRun?: boolean;
  output?: string;
}

function summary(result: SweepResult, olderThan: string): string {
  const verb = result.dryRun ? "would remove" : "removed";
  const keys = result.removed.reduce((sum, u) => sum + u.keys, 0);
  const bytes = result.removed.reduce((sum, u) => sum + u.bytes, 0);
  return (
    `${verb} ${result.removed.length} unfinished snapshots (${keys} objects, ${humanBytes(bytes)})` +
    `${result.dryRun ? "" : ` and ${result.incompleteUploads} incomplete uploads`}; ` +
    `left ${result.skipped.length} younger than ${olderThan}`
  );
}

/** Format 2: the packs and index files no snapshot uses, and a dead backup's packs, removed under the exclusive lock. */
async function pruneFormat2(format2: Format2Repository, flags: Flags): Promise<void> {
  const report = await format2.prune({ dryRun: flags.dryRun ?? false });
  if (printData(flags.output, report)) return;
  const [deleted, repacked, freed] = report.dryRun
    ? ["would delete", "repack", "would be freed"]
    : ["deleted", "repacked", "freed"];
  process.stdout.write(
    `${deleted} ${report.packsDeleted + report.unlistedPacksDeleted} packs and ${repacked} ${report.packsRepacked} ` +
      `(${humanBytes(report.bytesFreed)} ${freed}); ${report.packsKept} packs used by ${report.snapshots} snapshots kept\n`,
  );
  process.stdout.write(retainedLine(report.retained));
  process.stdout.write(journalLine(report.journal, report.dryRun));
}

/** What a format-2 prune did to the journal segments; "" when the repository has none. */
export function journalLine(journal: PruneReport["journal"], dryRun: boolean): string {
  const { segmentsKept, segmentsDeleted, segmentsRetained } = journal;
  if (segmentsKept + segmentsDeleted + segmentsRetained === 0) return "";
  const retained = segmentsRetained ? `, and ${segmentsRetained} expired ones S3 Object Lock retains` : "";
  return (
    `journal: ${dryRun ? "would delete" : "deleted"} ${segmentsDeleted} segments older than the oldest snapshot ` +
    `of their scope; kept ${segmentsKept}${retained}\n`
  );
}

/** What a format-2 prune left because S3 Object Lock retains it; "" when nothing. */
export function retainedLine({ packs, indexFiles, retainedUntil }: PruneReport["retained"]): string {
  if (packs + indexFiles === 0) return "";
  const until = retainedUntil ? ` (the last lock ends ${retainedUntil.toISOString()})` : "";
  return `left ${packs} packs and ${indexFiles} index files that S3 Object Lock retains${until}; a later prune removes them\n`;
}

export function pruneCommand(program: Command): void {
  const cmd = program
    .command("prune")
    .description(
      "format 2: remove and repack the packs no snapshot uses (under an exclusive lock); format 1: remove what " +
        "failed or interrupted backups left (snapshots without snapshot.json, unfinished uploads)",
    )
    .option(
      "--older-than <duration>",
      "only leftovers whose newest object is older than this, e.g. 30m (a backup may still be uploading younger ones)",
      "1h",
    )
    .option("--dry-run", "only report what would be removed")
    .addOption(outputOption(REPORT_FORMATS));
  repoOptions(cmd).action(async (flags: Flags, self: Command) => {
    let olderThanMs: number;
    try {
      olderThanMs = parseDuration(flags.olderThan);
    } catch {
      throw new UsageError(`--older-than "${flags.olderThan}": a duration such as 30m or 1h`);
    }
    const repository = await openRepo(self, flags);
    const format2 = format2Of(repository);
    if (format2) return pruneFormat2(format2, flags);
    const result = await repository.sweepUnfinished({ olderThanMs, dryRun: flags.dryRun });
    if (!printData(flags.output, result)) {
      for (const u of result.removed)
        process.stdout.write(`${result.dryRun ? "would remove" : "removed"} ${u.id} (${u.keys} objects)\n`);
      process.stdout.write(`${summary(result, flags.olderThan)}\n`);
    }
  });
}
