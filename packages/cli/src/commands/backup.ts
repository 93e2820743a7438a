import { type Command, Option } from "commander";
import { takeSnapshot } from "@kubedump/dump";
import { createKubeClient } from "@kubedump/kube";
import { DEFAULT_REPOSITORY_FORMAT, openRepository, type Repository } from "@kubedump/repository";
import { format2Of } from "@kubedump/repository/format2";
import { CACHE_DIR_ENV, defaultCacheDir, repositoryCacheDir } from "../cache-dir.js";
import { humanBytes } from "../format.js";
import { type FilterFlags, dumpOptionsFromFlags } from "../options.js";
import { createProgressReporter } from "../progress.js";
import { outputOption, printData, REPORT_FORMATS } from "../output.js";
import { type RepoFlags, repoOptions, repoSource } from "../repo-source.js";
import { clusterOptions, type ClusterFlags, clientOptions } from "./cluster-options.js";

interface BackupFlags extends FilterFlags, ClusterFlags, RepoFlags {
  output?: string;
  scratchDir?: string;
  cacheDir?: string;
  /** false with --no-cache. */
  cache: boolean;
  repositoryFormat?: "1" | "2";
}

/**
 * The repository, a new one created in `--repository-format` (else the Repository object's
 * spec.format, else DEFAULT_REPOSITORY_FORMAT); an existing one's format wins, with a note when they differ.
 */
async function openForBackup(self: Command, flags: BackupFlags): Promise<Repository> {
  const source = await repoSource(self, flags);
  const asked = flags.repositoryFormat === undefined ? undefined : flags.repositoryFormat === "1" ? 1 : 2;
  const format = asked ?? source.format ?? DEFAULT_REPOSITORY_FORMAT;
  const repository = await openRepository({ ...source, format });
  const actual = format2Of(repository) ? 2 : 1;
  if (flags.repositoryFormat !== undefined && actual !== format)
    process.stderr.write(
      `note: the repository is format ${actual}; --repository-format ${format} applies to a new repository only\n`,
    );
  return repository;
}

export function backupCommand(program: Command): void {
  const cmd = program
    .command("backup")
    .description("back up the YAML of the whole cluster (default), one namespace, or one application into a repository")
    .option("-n, --namespace <ns>", "back up one namespace (its namespaced objects and the Namespace itself)")
    .option(
      "--target <ref>",
      "back up one object: <apiVersion>/<Kind>/<namespace>/<name> (or <apiVersion>/<Kind>/<name>)",
    )
    .option("--include-dependants", "with --target: also everything that names it in ownerReferences, recursively")
    .option("-l, --selector <selector>", "label selector every object must match (a=b,c!=d,e in (x,y))")
    .option("--or-selector <selector>", "keep objects matching any of these selectors (repeatable)", collect, [])
    .option("--include-namespaces <globs>", "comma-separated namespace globs to back up")
    .option("--exclude-namespaces <globs>", "comma-separated namespace globs to leave out")
    .option("--include-resources <list>", "comma-separated resource[.group] names (globs allowed) to back up")
    .option("--exclude-resources <list>", "comma-separated resource[.group] names (globs allowed) to leave out")
    .option("--ignore-group-kinds <list>", "comma-separated Kind[.group] to leave out")
    .addOption(
      new Option("--include-cluster-resources <mode>", "cluster-scoped objects: true, false or auto").choices([
        "true",
        "false",
        "auto",
      ]),
    )
    .option("--include-events", "also back up Events")
    .option("--sanitize <bool>", "strip what the server set (true|false)")
    .option("--page-size <n>", "objects per LIST page (default 500)")
    .option(
      "--gzip-level <n>",
      "format 1: gzip level of the archive parts and index, 0-9 (default 1: the fastest; 6 stores about 15% less)",
    )
    .option("--scratch-dir <dir>", "where compressed parts are spooled before upload (default: the OS temp dir)")
    .option(
      "--cache-dir <dir>",
      `format 2: where index files and the objects of the last snapshot are kept, so that a backup reads only new ` +
        `index files and stores only objects changed since (default: $${CACHE_DIR_ENV}, else ~/.cache/kubedump)`,
    )
    .option("--no-cache", "format 2: keep no cache (every backup reads the whole index and serializes every object)")
    .addOption(
      new Option(
        "--repository-format <n>",
        "format of a new repository: 2 (default: content-addressed, incremental) or 1 (a tar.gz per snapshot); an existing one keeps its own",
      ).choices(["1", "2"]),
    )
    .option(
      "--object-lock-retention <duration>",
      "with --repo s3://…: write every object with S3 Object Lock retention for this long, e.g. 720h " +
        "(the bucket must have Object Lock enabled)",
    )
    .addOption(
      new Option("--object-lock-mode <mode>", "with --object-lock-retention: the lock mode")
        .choices(["GOVERNANCE", "COMPLIANCE"])
        .default("GOVERNANCE"),
    )
    .addOption(outputOption(REPORT_FORMATS));
  repoOptions(clusterOptions(cmd)).action(async (flags: BackupFlags, self: Command) => {
    const { options, params, gzipLevel } = dumpOptionsFromFlags(flags);
    const repository = await openForBackup(self, flags);
    const client = createKubeClient(clientOptions(flags));
    const progress = createProgressReporter();
    try {
      const { manifest, swept, result } = await takeSnapshot(
        {
          client,
          repository,
          scratchDir: flags.scratchDir,
          indexCacheDir: cacheDirOf(flags),
          onProgress: (p) => progress.update(p),
          onReuseTableIgnored: (reason) => process.stderr.write(`${reason}; every object is read\n`),
        },
        { options, params, gzipLevel, source: { kind: "cli" } },
      );
      progress.done();
      // takeSnapshot removes what interrupted backups left (older than an hour) after each commit.
      if (swept.length)
        process.stderr.write(`removed ${swept.length} unfinished snapshots older than an hour: ${swept.join(", ")}\n`);
      for (const w of manifest.warnings) process.stderr.write(`warning: ${w}\n`);
      if (!printData(flags.output, manifest)) {
        const secs = (Date.parse(manifest.completedAt) - Date.parse(manifest.time)) / 1000;
        process.stdout.write(
          `snapshot ${manifest.id} committed: ${manifest.objects} objects${reusedNote(result.reused)}, ` +
            `${humanBytes(manifest.bytes)} YAML, ` +
            `${humanBytes(manifest.storedBytes)} stored, ${manifest.warnings.length} warnings, ${secs.toFixed(1)} s\n`,
        );
      }
    } finally {
      progress.done();
      client.close();
    }
  });
}

/** How many objects a format-2 backup took unchanged from the last one (the cache's reuse table). */
function reusedNote(reused: number): string {
  return reused > 0 ? ` (${reused} unchanged since the last backup)` : "";
}

/** This repository's directory in the cache, unless --no-cache. */
function cacheDirOf(flags: BackupFlags): string | undefined {
  if (flags.cache === false) return undefined;
  return repositoryCacheDir(flags.cacheDir ?? defaultCacheDir(), flags);
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
