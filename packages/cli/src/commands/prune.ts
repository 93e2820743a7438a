import { parseDuration } from "@kubedump/api";
import type { SweepResult } from "@kubedump/repository/snapshot";
import type { Command } from "commander";
import { humanBytes } from "../format.js";
import { DEFAULT_REPO, openRepoFromUrl, REPO_HELP } from "../repo-url.js";
import { UsageError } from "../target.js";

interface Flags {
  repo: string;
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

export function pruneCommand(program: Command): void {
  program
    .command("prune")
    .description("remove what failed or interrupted backups left: snapshots without snapshot.json, unfinished uploads")
    .option("--repo <repo>", REPO_HELP, DEFAULT_REPO)
    .option(
      "--older-than <duration>",
      "only leftovers whose newest object is older than this, e.g. 30m (a backup may still be uploading younger ones)",
      "1h",
    )
    .option("--dry-run", "only report what would be removed")
    .option("-o, --output <format>", "text (default) or json")
    .action(async (flags: Flags) => {
      let olderThanMs: number;
      try {
        olderThanMs = parseDuration(flags.olderThan);
      } catch {
        throw new UsageError(`--older-than "${flags.olderThan}": a duration such as 30m or 1h`);
      }
      const repository = await openRepoFromUrl(flags.repo);
      const result = await repository.sweepUnfinished({ olderThanMs, dryRun: flags.dryRun });
      if (flags.output === "json") process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else {
        for (const u of result.removed)
          process.stdout.write(`${result.dryRun ? "would remove" : "removed"} ${u.id} (${u.keys} objects)\n`);
        process.stdout.write(`${summary(result, flags.olderThan)}\n`);
      }
    });
}
