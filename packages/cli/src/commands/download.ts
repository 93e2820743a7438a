import type { Command } from "commander";
import type { Repository } from "@kubedump/repository";
import type { ReadProgress } from "@kubedump/repository/snapshot";
import { archiveFormatOf, writeArchive } from "../archive-writer.js";
import { humanBytes } from "../format.js";
import { type ProgressReporter, readProgressLine } from "../progress.js";
import { type MomentFlags, momentOptions, snapshotLabel, snapshotOrMoment } from "../moment-source.js";
import { repoOptions } from "../repo-source.js";
import { type PartFlags, snapshotPart } from "../snapshot-filter.js";
import { UsageError } from "../target.js";

interface DownloadFlags extends PartFlags, MomentFlags {
  to?: string;
  archive?: string;
  force?: boolean;
}

const ARCHIVE_ONLY: [keyof DownloadFlags, string][] = [
  ["includeNamespaces", "--include-namespaces"],
  ["includeResources", "--include-resources"],
  ["force", "--force"],
];

/** Exactly one of --to and --archive; the archive's flags only with --archive. Errors name the flag. */
function checkFlags(flags: DownloadFlags): void {
  if (flags.to && flags.archive) throw new UsageError("download: --to and --archive exclude each other");
  if (!flags.to && !flags.archive) throw new UsageError("download: --to <dir> or --archive <file> is required");
  if (flags.archive) archiveFormatOf(flags.archive);
  for (const [key, flag] of ARCHIVE_ONLY)
    if (flags.to && flags[key] !== undefined) throw new UsageError(`download: ${flag} works with --archive only`);
}

async function downloadArchive(
  repository: Repository,
  id: string,
  file: string,
  flags: DownloadFlags,
  progress: ProgressReporter<ReadProgress>,
) {
  const force = flags.force === true;
  const manifest = await repository.getSnapshot(id);
  const wanted = snapshotPart(flags, manifest);
  const read = { objects: 0, totalObjects: manifest.objects, bytes: 0, totalBytes: manifest.bytes };
  async function* entries() {
    for await (const object of repository.readObjects(id)) {
      read.objects += 1;
      read.bytes += object.data.length;
      progress.update(read);
      if (wanted(object.path)) yield object;
    }
  }
  const format = archiveFormatOf(file);
  const result = await writeArchive({ file, format, entries: entries(), date: new Date(manifest.time), force });
  progress.done();
  process.stdout.write(
    `wrote ${result.entries} objects (${humanBytes(result.bytes)}) of ${snapshotLabel(id)} to ${file} ` +
      `(${humanBytes(result.archiveBytes)})\n`,
  );
}

export function downloadCommand(program: Command): void {
  const cmd = program
    .command("download [id]")
    .description(
      "write a snapshot's YAML tree (cluster/…, namespaces/<ns>/…), or the state at a moment (--at), into a " +
        "directory, or into one .zip or .tar.gz file",
    )
    .option("--to <dir>", "target directory (created if missing)")
    .option("--archive <file>", "one archive file instead: <name>.zip, <name>.tar.gz or <name>.tgz")
    .option(
      "--include-namespaces <globs>",
      "with --archive: only these namespaces (comma-separated globs): their objects and Namespace objects",
    )
    .option("--include-resources <list>", "with --archive: only these comma-separated resource[.group] (globs allowed)")
    .option("--force", "with --archive: replace an existing file");
  repoOptions(momentOptions(cmd)).action(async (given: string | undefined, flags: DownloadFlags, self: Command) => {
    checkFlags(flags);
    const { repository, id } = await snapshotOrMoment(self, flags, given);
    const progress = readProgressLine("read");
    try {
      if (flags.archive) return await downloadArchive(repository, id, flags.archive, flags, progress);
      const to = flags.to as string;
      const { objects, bytes } = await repository.download(id, to, { onProgress: (p) => progress.update(p) });
      progress.done();
      process.stdout.write(`wrote ${objects} objects (${humanBytes(bytes)}) of ${snapshotLabel(id)} to ${to}\n`);
    } finally {
      progress.done();
    }
  });
}
