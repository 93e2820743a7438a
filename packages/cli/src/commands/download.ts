import type { Command } from "commander";
import { humanBytes } from "../format.js";
import { DEFAULT_REPO, openRepoFromUrl, REPO_HELP } from "../repo-url.js";
import { UsageError } from "../target.js";

export function downloadCommand(program: Command): void {
  program
    .command("download <id>")
    .description("write a snapshot's YAML tree (cluster/…, namespaces/<ns>/…) into a directory")
    .option("--repo <repo>", REPO_HELP, DEFAULT_REPO)
    .option("--to <dir>", "target directory (created if missing)")
    .action(async (id: string, flags: { repo: string; to?: string }) => {
      if (!flags.to) throw new UsageError("download: --to <dir> is required");
      const repository = await openRepoFromUrl(flags.repo);
      const { objects, bytes } = await repository.download(id, flags.to);
      process.stdout.write(`wrote ${objects} objects (${humanBytes(bytes)}) of snapshot ${id} to ${flags.to}\n`);
    });
}
