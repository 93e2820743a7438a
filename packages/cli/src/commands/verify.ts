import type { Command } from "commander";
import { VerifyFailedError } from "../errors.js";
import { printable } from "../format.js";
import { outputOption, printData, REPORT_FORMATS } from "../output.js";
import { readProgressLine } from "../progress.js";
import { openRepo, type RepoFlags, repoOptions } from "../repo-source.js";
import { UsageError } from "../target.js";
import { verifyWholeRepository } from "./verify-repository.js";

export function verifyCommand(program: Command): void {
  const cmd = program
    .command("verify [id]")
    .description(
      "re-read every part of a snapshot; check each object's sha256 and the counts against the index; without " +
        "<id>, the whole repository (exit 5 on problems)",
    )
    .option(
      "--read-data-subset <n%>",
      "without <id>: read this share of the data in full, chosen at random (format 2: packs; format 1: " +
        "snapshots), and check the rest by size (default 100%)",
    )
    .addOption(outputOption(REPORT_FORMATS));
  type Flags = RepoFlags & { output?: string; readDataSubset?: string };
  repoOptions(cmd).action(async (id: string | undefined, flags: Flags, self: Command) => {
    if (id !== undefined && flags.readDataSubset !== undefined)
      throw new UsageError(
        "--read-data-subset: a verify of one snapshot reads all of it; leave out <id> to verify the repository",
      );
    const repository = await openRepo(self, flags);
    if (id === undefined) return verifyWholeRepository(repository, flags.readDataSubset, flags.output);
    const progress = readProgressLine("verified", flags.output);
    const report = await repository
      .verify(id, { onProgress: (p) => progress.update(p) })
      .finally(() => progress.done());
    if (printData(flags.output, report)) {
      /* json or yaml: the whole report */
    } else if (report.ok) {
      const parts = `${report.parts} part${report.parts === 1 ? "" : "s"}`;
      process.stdout.write(`snapshot ${id} is sound: ${parts} and ${report.objects} objects match the index\n`);
    } else {
      for (const problem of report.problems) process.stderr.write(`problem: ${printable(problem)}\n`);
      process.stderr.write(
        `${report.partsOk} of ${report.parts} parts and ${report.objectsOk} of ${report.objects} objects checked out\n`,
      );
    }
    if (!report.ok) throw new VerifyFailedError(id, report.problems.length);
  });
}
