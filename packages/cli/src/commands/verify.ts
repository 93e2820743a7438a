import type { Command } from "commander";
import { VerifyFailedError } from "../errors.js";
import { printable } from "../format.js";
import { DEFAULT_REPO, openRepoFromUrl, REPO_HELP } from "../repo-url.js";

export function verifyCommand(program: Command): void {
  program
    .command("verify <id>")
    .description(
      "re-read every part of a snapshot; check each object's sha256 and the counts against the index (exit 5 on problems)",
    )
    .option("--repo <repo>", REPO_HELP, DEFAULT_REPO)
    .option("-o, --output <format>", "text (default) or json (the whole report)")
    .action(async (id: string, flags: { repo: string; output?: string }) => {
      const repository = await openRepoFromUrl(flags.repo);
      const report = await repository.verify(id);
      if (flags.output === "json") process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else if (report.ok) {
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
