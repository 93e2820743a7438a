import type { Command } from "commander";
import { humanBytes, table } from "../format.js";
import { DEFAULT_REPO, openRepoFromUrl, REPO_HELP } from "../repo-url.js";

interface Flags {
  repo: string;
  output?: string;
}

export function snapshotsCommand(program: Command): void {
  program
    .command("snapshots")
    .description("list the committed snapshots of a repository, oldest first")
    .option("--repo <repo>", REPO_HELP, DEFAULT_REPO)
    .option("-o, --output <format>", "table (default) or json")
    .action(async (flags: Flags) => {
      const repository = await openRepoFromUrl(flags.repo);
      const snapshots = await repository.listSnapshots();
      if (flags.output === "json") {
        const items = snapshots.map((s) => ({
          id: s.id,
          time: s.time,
          completedAt: s.completedAt,
          scope: s.scope,
          source: s.source,
          objects: s.objects,
          bytes: s.bytes,
          storedBytes: s.storedBytes,
          warnings: s.warnings,
        }));
        process.stdout.write(`${JSON.stringify(items, null, 2)}\n`);
        return;
      }
      const rows = snapshots.map((s) => [
        s.id,
        s.time,
        scopeText(s.scope),
        String(s.objects),
        humanBytes(s.storedBytes),
        String(s.warnings.length),
      ]);
      process.stdout.write(`${table(["ID", "TIME", "SCOPE", "OBJECTS", "SIZE", "WARNINGS"], rows)}\n`);
    });
}

export function scopeText(scope: { type: string; namespace?: string; target?: string }): string {
  if (scope.type === "namespace") return `namespace/${scope.namespace}`;
  if (scope.type === "application") return `app/${scope.target}`;
  return "cluster";
}
