import { type MigrateProgress, type MigrateReport, migrateRepository } from "@kubedump/repository/format2";
import type { Command } from "commander";
import { MigrationDamagedError } from "../errors.js";
import { humanBytes, printable } from "../format.js";
import { outputOption, printData, REPORT_FORMATS } from "../output.js";
import { createLiveLine, noProgress, type ProgressReporter } from "../progress.js";
import { type RepoFlags, repoOptions, repoSource } from "../repo-source.js";

interface Flags extends RepoFlags {
  dryRun?: boolean;
  output?: string;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** Snapshots and objects done, on a terminal only, and never with `-o json` or `-o yaml`. */
function progressLine(output: string | undefined): ProgressReporter<MigrateProgress> {
  if (output === "json" || output === "yaml") return noProgress();
  return createLiveLine<MigrateProgress>(
    (p) =>
      `migrated ${p.snapshotsDone}/${p.snapshotsTotal} snapshots, ${p.objectsDone}/${p.objectsTotal} objects — ${p.snapshot}`,
    { offTerminal: "quiet" },
  );
}

function printText(report: MigrateReport): void {
  const out = (line: string) => process.stdout.write(`${printable(line)}\n`);
  const verb = report.dryRun ? "would migrate" : "migrated";
  for (const s of report.snapshots) out(`${verb} ${s.id} (${s.time}): ${plural(s.objects, "object")}`);
  for (const id of report.finished) out(`${report.dryRun ? "would finish" : "finished"} ${id}: already format 2`);
  const config = report.formatBefore === 1 ? "repository.json to formatVersion 2 and " : "";
  out(
    `${verb} ${config}${plural(report.snapshots.length, "format-1 snapshot")} ` +
      `(${plural(report.objects, "object")}, ${humanBytes(report.bytes)} of YAML); ` +
      `${report.dryRun ? "would delete" : "deleted"} ${plural(report.deletedKeys, "format-1 file")} ` +
      `(${humanBytes(report.deletedBytes)})`,
  );
  if (report.retainedKeys > 0)
    out(`left ${plural(report.retainedKeys, "format-1 file")} that S3 Object Lock retains; run it again later`);
}

export function migrateRepositoryCommand(program: Command): void {
  const cmd = program
    .command("migrate-repository")
    .description(
      "convert a format-1 repository in place to format 2 (same snapshot ids, same password); " +
        "run it again after an interruption to finish",
    )
    .option("--dry-run", "only say what would be converted: snapshots, objects, bytes")
    .addOption(outputOption(REPORT_FORMATS));
  repoOptions(cmd).action(async (flags: Flags, self: Command) => {
    const { store, password } = await repoSource(self, flags);
    const progress = progressLine(flags.output);
    const onProgress = (p: MigrateProgress) => {
      if (!p.finished) return progress.update(p);
      progress.done();
      process.stderr.write(`migrated snapshot ${p.snapshot} (${p.snapshotsDone}/${p.snapshotsTotal})\n`);
    };
    const report = await migrateRepository({ store, password, dryRun: flags.dryRun, onProgress }).finally(() =>
      progress.done(),
    );
    if (!printData(flags.output, report)) printText(report);
    for (const d of report.damaged) process.stderr.write(`damaged: ${printable(`${d.key}: ${d.reason}`)}\n`);
    if (report.damaged.length > 0) throw new MigrationDamagedError(report.damaged.map((d) => d.id));
  });
}
