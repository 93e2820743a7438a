import type { BatchDigests, Format2Repository, SnapshotWriterV2 } from "@kubedump/repository/format2";
import { newSnapshotId } from "@kubedump/repository/snapshot";
import type { DumpReuse, PageSink } from "./dump-sink.js";
import { runDump } from "./engine.js";
import { reuseKeyOf } from "./reuse-key.js";
import { draftFields, type TakeSnapshotDeps, type TakeSnapshotInput, type TakenSnapshot } from "./snapshot.js";

/**
 * The dump's sink into a format-2 writer: each page's objects with their records, as they are
 * (the writer reads neither path nor part), their digests (records come without sha256) computed
 * by the writer off the serializing thread while the dump goes on.
 */
function writerSink(writing: Promise<SnapshotWriterV2>): PageSink<BatchDigests> {
  return {
    async digest(entries) {
      return (await writing).digest(entries);
    },
    async addPage(entries, digests) {
      await (await writing).add(entries, digests);
    },
  };
}

/** Reuse through the writer's reuse table; none when the table is empty (a first backup, no cache). */
function writerReuse(writer: SnapshotWriterV2): DumpReuse | undefined {
  if (writer.reusable === 0) return undefined;
  return {
    find: (record, resourceVersion) => writer.findReusable(record, resourceVersion),
    // a record's path and part are not read (no copy of every unchanged object's record without them)
    add: (entries) => writer.addReused(entries),
  };
}

/**
 * takeSnapshot into a format-2 repository: the dump goes straight into the writer's packs (no
 * scratch parts), under a shared repository lock taken before the index is loaded and released
 * after snapshot.json is written, so no prune deletes a blob this snapshot reuses. The lock, the
 * index and the reuse table are loaded while the dump discovers the cluster's types: the dump
 * waits for them before its first LIST.
 */
export async function takeSnapshotV2(
  deps: TakeSnapshotDeps,
  format2: Format2Repository,
  input: TakeSnapshotInput,
): Promise<TakenSnapshot> {
  const now = deps.now ?? (() => new Date());
  const started = now();
  const id = input.id ?? newSnapshotId(started);
  const locking = format2.lock("shared", `backup ${id}`);
  let writing: Promise<SnapshotWriterV2> | undefined;
  try {
    writing = locking.then(() =>
      format2.createWriter({
        indexCacheDir: deps.indexCacheDir,
        reuseKey: reuseKeyOf(input.options),
        frameLevel: input.gzipLevel,
        onReuseTableIgnored: deps.onReuseTableIgnored,
      }),
    );
    const reuse = writing.then(writerReuse);
    reuse.catch(() => {}); // runDump awaits it once planned; a discovery that fails first leaves it
    const result = await runDump(
      { client: deps.client, sink: writerSink(writing), onProgress: deps.onProgress, signal: deps.signal, reuse },
      input.options,
    );
    const writer = await writing;
    deps.signal?.throwIfAborted();
    (await locking).check(); // a lock lost meanwhile may have let a prune delete blobs this snapshot reuses
    const v2 = await writer.commit(draftFields(deps, input, { id, started, completedAt: now(), result }));
    return { manifest: await deps.repository.getSnapshot(v2.id), result, swept: [] };
  } finally {
    // after a failure, the compressing thread lets go of the writer's open packs (a no-op once committed)
    if (writing)
      await writing.then(
        (writer) => writer.abort(),
        () => {},
      );
    await locking.then(
      (lock) => lock.release(),
      () => {}, // not taken: nothing to release (runDump rejected with its error)
    );
  }
}
