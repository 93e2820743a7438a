import { mkdtemp, rm, rmdir, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KubeClient } from "@kubedump/kube";
import type { Repository } from "@kubedump/repository";
import {
  createIndexWriter,
  createPartWriter,
  type IndexFile,
  type PartWriterResult,
} from "@kubedump/repository/archive";
import {
  newSnapshotId,
  PARTS_DIR,
  type SnapshotManifest,
  type SnapshotScope,
  type SnapshotSource,
} from "@kubedump/repository/snapshot";
import { format2Of } from "@kubedump/repository/format2";
import { type DumpProgress, type DumpResult, runDump } from "./engine.js";
import type { DumpOptions, Scope } from "./options.js";
import { takeSnapshotV2 } from "./snapshot-v2.js";

export interface TakeSnapshotDeps {
  client: KubeClient;
  repository: Repository;
  /** Where parts are spooled before upload (default: the OS temp dir). */
  scratchDir?: string;
  /** Format 2: this repository's own directory where its index files are cached between backups (index-loader.ts). */
  indexCacheDir?: string;
  onProgress?: (p: DumpProgress) => void;
  /** Format 2: told why the reuse table found in indexCacheDir is not used (then every object is read). */
  onReuseTableIgnored?: (reason: string) => void;
  signal?: AbortSignal;
  now?: () => Date;
}

export interface TakeSnapshotInput {
  options: DumpOptions;
  source: SnapshotSource;
  /** The task params as given, recorded in the manifest. */
  params?: Record<string, string>;
  /** A deterministic id (a retried job writes the same snapshot); default: a new one. */
  id?: string;
  maxPartBytes?: number;
  /** zlib level of parts and index, or of a format-2 repository's frames (default 1, see @kubedump/repository). */
  gzipLevel?: number;
}

export interface TakenSnapshot {
  manifest: SnapshotManifest;
  result: DumpResult;
  /** Unfinished snapshots older than an hour (interrupted uploads) removed while this one was taken. */
  swept: string[];
}

/**
 * Dumps into compressed parts in a scratch directory, then commits them to the repository:
 * parts, index, and snapshot.json last. The scratch directory is removed whatever happens.
 * A format-2 repository takes the dump through its own writer (snapshot-v2.ts).
 */
export async function takeSnapshot(deps: TakeSnapshotDeps, input: TakeSnapshotInput): Promise<TakenSnapshot> {
  const format2 = format2Of(deps.repository);
  if (format2) return takeSnapshotV2(deps, format2, input);
  const now = deps.now ?? (() => new Date());
  const started = now();
  const id = input.id ?? newSnapshotId(started);
  const scratch = await mkdtemp(join(deps.scratchDir ?? tmpdir(), `kubedump-${id}-`));
  const { maxPartBytes, gzipLevel } = input;
  const parts = createPartWriter({ dir: scratch, maxPartBytes, gzipLevel, mtime: started });
  const index = createIndexWriter({ file: join(scratch, "index.json.gz"), gzipLevel });
  // Every backup cleans up after interrupted ones, alongside the dump: this snapshot is not in the
  // repository before its commit, and the sweep leaves leftovers younger than an hour alone. A
  // failure here never fails the backup.
  const sweeping = deps.repository.sweepUnfinished().then(
    (r) => r.removed.map((u) => u.id),
    () => [],
  );
  let written: PartWriterResult | undefined;
  let indexFile: IndexFile | undefined;
  try {
    const result = await runDump(
      {
        client: deps.client,
        sink: { addObjects: (e) => parts.add(e), addRecords: (r) => index.add(r) },
        onProgress: deps.onProgress,
        signal: deps.signal,
      },
      input.options,
    );
    [written, indexFile] = await Promise.all([parts.finish(), index.finish()]);
    deps.signal?.throwIfAborted();
    const manifest = await deps.repository.commitSnapshot({
      manifest: {
        formatVersion: 1,
        ...draftFields(deps, input, { id, started, completedAt: now(), result }),
        counts: result.counts,
        objects: result.objects,
        bytes: result.bytes,
      },
      partFiles: written.parts,
      indexFile,
    });
    return { manifest, result, swept: await sweeping };
  } catch (err) {
    await Promise.allSettled([parts.abort(), index.abort(), sweeping]);
    throw err;
  } finally {
    await removeScratch(
      scratch,
      written && indexFile ? [...written.parts.map((p) => p.file), indexFile.file] : undefined,
    );
  }
}

/**
 * Removes the scratch directory: the files the writers reported and the two directories, without
 * reading the directories back; anything else (a failed dump, a stray file) takes a recursive rm.
 */
async function removeScratch(dir: string, files: string[] | undefined): Promise<void> {
  if (files) {
    try {
      await Promise.all(files.map((f) => unlink(f)));
      await rmdir(join(dir, PARTS_DIR)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== "ENOENT") throw err;
      });
      await rmdir(dir);
      return;
    } catch {
      // something else is in there: the recursive rm below takes it
    }
  }
  await rm(dir, { recursive: true, force: true });
}

/** What both formats' snapshot.json record of a backup, from its input and the dump's result. */
export function draftFields(
  deps: Pick<TakeSnapshotDeps, "client">,
  input: TakeSnapshotInput,
  run: { id: string; started: Date; completedAt: Date; result: DumpResult },
) {
  return {
    id: run.id,
    time: run.started.toISOString(),
    completedAt: run.completedAt.toISOString(),
    source: input.source,
    cluster: { server: deps.client.server, version: run.result.serverVersion },
    scope: describeScope(input.options.scope),
    params: input.params ?? {},
    warnings: run.result.warnings,
  };
}

export function describeScope(scope: Scope): SnapshotScope {
  if (scope.type === "cluster") return { type: "cluster" };
  if (scope.type === "namespace") return { type: "namespace", namespace: scope.namespace };
  const t = scope.target;
  const group = t.apiVersion.includes("/") ? `.${t.apiVersion.slice(0, t.apiVersion.indexOf("/"))}` : "";
  return {
    type: "application",
    namespace: t.namespace,
    target: `${t.kind}${group}/${t.namespace ? `${t.namespace}/` : ""}${t.name}`,
  };
}
