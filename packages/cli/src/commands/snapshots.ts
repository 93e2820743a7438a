import type { Command } from "commander";
import {
  IntegrityError,
  openRepository,
  passwordFromSecret,
  RepositoryFormatError,
  type SnapshotScan,
  scanSnapshots,
} from "@kubedump/repository";
import { humanBytes, printable, table } from "../format.js";
import { DEFAULT_REPO, REPO_HELP, storeFromUrl } from "../repo-url.js";

interface Flags {
  repo: string;
  output?: string;
}

export function snapshotsCommand(program: Command): void {
  program
    .command("snapshots")
    .description(
      "list the committed snapshots of a repository, oldest first; one whose snapshot.json cannot be read is left out with a warning, one whose parts or index are missing or truncated is listed with one",
    )
    .option("--repo <repo>", REPO_HELP, DEFAULT_REPO)
    .option("-o, --output <format>", "table (default) or json")
    .action(async (flags: Flags) => {
      const { snapshots, unreadable, mismatched } = await scan(flags.repo);
      for (const { id, error } of unreadable)
        process.stderr.write(`warning: snapshot ${id} is not listed: ${printable(error.message)}\n`);
      for (const { id, problems } of mismatched)
        for (const problem of problems) process.stderr.write(`warning: snapshot ${id}: ${printable(problem)}\n`);
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

/**
 * The repository's snapshots. A repository.json that cannot be read (damaged, truncated, another
 * format) is warned about and the snapshots are listed all the same: snapshot.json is never
 * encrypted, so listing needs neither the password nor repository.json.
 */
async function scan(repo: string, env: NodeJS.ProcessEnv = process.env): Promise<SnapshotScan> {
  const store = storeFromUrl(repo, env);
  try {
    const repository = await openRepository({ store, password: passwordFromSecret(env) });
    return await repository.scanSnapshots();
  } catch (err) {
    const unreadableConfig =
      (err instanceof RepositoryFormatError || err instanceof IntegrityError) && err.key === "repository.json";
    if (!unreadableConfig) throw err;
    process.stderr.write(
      `warning: ${printable(err.message)}; listing the snapshots all the same, nothing else can be read\n`,
    );
    return scanSnapshots(store);
  }
}

export function scopeText(scope: { type: string; namespace?: string; target?: string }): string {
  if (scope.type === "namespace") return `namespace/${scope.namespace}`;
  if (scope.type === "application") return `app/${scope.target}`;
  return "cluster";
}
