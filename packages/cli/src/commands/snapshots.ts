import type { Command } from "commander";
import {
  IntegrityError,
  openRepository,
  RepositoryFormatError,
  type SnapshotScan,
  scanSnapshots,
} from "@kubedump/repository";
import type { SnapshotManifest } from "@kubedump/repository/snapshot";
import { humanBytes, printable } from "../format.js";
import { LISTING_FORMATS, type Listing, outputOption, printListing } from "../output.js";
import { type RepoFlags, type RepoSource, repoOptions, repoSource } from "../repo-source.js";

interface Flags extends RepoFlags {
  output?: string;
}

export function snapshotsCommand(program: Command): void {
  const cmd = program
    .command("snapshots")
    .description(
      "list the committed snapshots of a repository, oldest first; one whose snapshot.json cannot be read is left out with a warning, one whose parts or index are missing or truncated is listed with one",
    )
    .addOption(outputOption(LISTING_FORMATS));
  repoOptions(cmd).action(async (flags: Flags, self: Command) => {
    const { snapshots, unreadable, mismatched } = await scan(await repoSource(self, flags));
    for (const { id, error } of unreadable)
      process.stderr.write(`warning: snapshot ${id} is not listed: ${printable(error.message)}\n`);
    for (const { id, problems } of mismatched)
      for (const problem of problems) process.stderr.write(`warning: snapshot ${id}: ${printable(problem)}\n`);
    printListing(flags.output, snapshotListing(snapshots));
  });
}

function snapshotListing(snapshots: SnapshotManifest[]): Listing<SnapshotManifest> {
  return {
    items: snapshots,
    columns: [
      ["ID", (s) => s.id],
      ["TIME", (s) => s.time],
      ["SCOPE", (s) => scopeText(s.scope)],
      ["OBJECTS", (s) => String(s.objects)],
      ["SIZE", (s) => humanBytes(s.storedBytes)],
      ["WARNINGS", (s) => String(s.warnings.length)],
    ],
    wide: [
      ["COMPLETED", (s) => s.completedAt],
      ["SOURCE", (s) => sourceText(s.source)],
      ["YAML", (s) => humanBytes(s.bytes)],
      ["PARTS", (s) => (s.formatVersion === 2 ? "-" : String(s.parts.length))],
    ],
    name: (s) => s.id,
    data: (items) =>
      items.map((s) => ({
        id: s.id,
        time: s.time,
        completedAt: s.completedAt,
        scope: s.scope,
        source: s.source,
        objects: s.objects,
        bytes: s.bytes,
        storedBytes: s.storedBytes,
        warnings: s.warnings,
      })),
  };
}

/**
 * The repository's snapshots. A repository.json that cannot be read (damaged, truncated, another
 * format) is warned about and the snapshots are listed all the same: snapshot.json is never
 * encrypted, so listing needs neither the password nor repository.json.
 */
async function scan(source: RepoSource): Promise<SnapshotScan> {
  try {
    const repository = await openRepository(source);
    return await repository.scanSnapshots();
  } catch (err) {
    const unreadableConfig =
      (err instanceof RepositoryFormatError || err instanceof IntegrityError) && err.key === "repository.json";
    if (!unreadableConfig) throw err;
    process.stderr.write(
      `warning: ${printable(err.message)}; listing the snapshots all the same, nothing else can be read\n`,
    );
    return scanSnapshots(source.store);
  }
}

export function scopeText(scope: { type: string; namespace?: string; target?: string }): string {
  if (scope.type === "namespace") return `namespace/${scope.namespace}`;
  if (scope.type === "application") return `app/${scope.target}`;
  return "cluster";
}

/** Who made a snapshot: `cli`, or the session and its invoker. */
function sourceText(source: SnapshotManifest["source"]): string {
  if (source.kind === "cli") return "cli";
  return `${source.kind} ${source.namespace}/${source.name}${source.invoker ? ` (${source.invoker})` : ""}`;
}
