import { createHash } from "node:crypto";
import { SnapshotExistsError } from "../errors.js";
import { pathFor, resourceKey, snapshotManifestKey } from "../snapshot/layout.js";
import { isSnapshotId } from "../snapshot/snapshot-id.js";
import type { ObjectStore } from "../stores/object-store.js";
import type { BlobIndex } from "./blob-index.js";
import { writeIndexFile } from "./index-loader.js";
import type { Format2Keys } from "./keys.js";
import type { SnapshotDraftV2, SnapshotManifestV2 } from "./manifest.js";
import { PackWriter } from "./pack-writer.js";
import { type ObjectRecord, TreeBuilder } from "./tree-builder.js";

export interface SnapshotWriterV2Deps {
  store: ObjectStore;
  keys: Format2Keys | null;
  /** The repository's blobs, loaded by loadBlobIndex: blobs found here are not written again. */
  index: BlobIndex;
  /** Pack size (default DEFAULT_PACK_TARGET_BYTES). */
  packTargetBytes?: number;
  /** Frame size (default DEFAULT_FRAME_TARGET_BYTES). */
  packFrameBytes?: number;
}

/** One object to back up: its index record (without path and part) and its YAML. */
export interface SnapshotInputObject {
  record: ObjectRecord;
  data: Buffer;
}

function describe(record: ObjectRecord): string {
  const where = record.namespace ? ` in namespace ${record.namespace}` : "";
  return `${resourceKey(record)} "${record.name}"${where}`;
}

/**
 * Writes one format-2 snapshot: each object's YAML as a data blob (unless the repository has it),
 * then, on commit, the tree, the index file of the packs written, and snapshot.json last.
 */
export class SnapshotWriterV2 {
  private readonly deps: SnapshotWriterV2Deps;
  private readonly packs: PackWriter;
  private readonly tree = new TreeBuilder();
  private readonly counts: Record<string, number> = {};
  private objects = 0;
  private bytes = 0;

  constructor(deps: SnapshotWriterV2Deps) {
    this.deps = deps;
    this.packs = new PackWriter({
      store: deps.store,
      keys: deps.keys,
      index: deps.index,
      targetBytes: deps.packTargetBytes,
      frameBytes: deps.packFrameBytes,
    });
  }

  /** Adds a batch of objects, one batch at a time; TypeError naming the object when its names, sha256 or bytes are wrong. */
  async add(batch: readonly SnapshotInputObject[]): Promise<void> {
    for (const { record, data } of batch) {
      pathFor(record); // TypeError naming a namespace, resource or name that cannot be a path segment
      const sha256 = createHash("sha256").update(data).digest("hex");
      if (record.sha256 !== sha256 || record.bytes !== data.length)
        throw new TypeError(`snapshot writer: ${describe(record)}: sha256 or bytes do not match its YAML`);
      // Unencrypted, a blob's id is its sha256: checked just now, not computed again.
      this.tree.add(record, await this.packs.add("data", data, this.deps.keys === null ? sha256 : undefined));
      const key = resourceKey(record);
      this.counts[key] = (this.counts[key] ?? 0) + 1;
      this.objects += 1;
      this.bytes += data.length;
    }
  }

  /** Stores the tree, the remaining pack, the index file, then snapshot.json (SnapshotExistsError when taken). */
  async commit(draft: SnapshotDraftV2): Promise<SnapshotManifestV2> {
    if (!isSnapshotId(draft.id)) throw new TypeError(`snapshot writer: not a snapshot id: "${draft.id}"`);
    const markerKey = snapshotManifestKey(draft.id);
    if (await this.deps.store.stat(markerKey)) throw new SnapshotExistsError(draft.id);
    const root = await this.tree.build((node) => this.packs.add("tree", node));
    const written = await this.packs.finish();
    const indexFile = await writeIndexFile(this.deps, written.packs);
    const manifest: SnapshotManifestV2 = {
      ...draft,
      formatVersion: 2,
      counts: this.counts,
      objects: this.objects,
      bytes: this.bytes,
      storedBytes: written.storedBytes + (indexFile?.bytes ?? 0),
      tree: root,
      indexes: indexFile ? [indexFile.id] : [],
      added: { blobs: written.blobsWritten, packs: written.packs.length },
    };
    if (!(await this.deps.store.putIfAbsent(markerKey, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`))))
      throw new SnapshotExistsError(draft.id);
    return manifest;
  }
}

/** Writes the snapshot of `objects` and commits it (see SnapshotWriterV2). */
export async function writeSnapshotV2(
  deps: SnapshotWriterV2Deps,
  draft: SnapshotDraftV2,
  objects: AsyncIterable<SnapshotInputObject> | Iterable<SnapshotInputObject>,
): Promise<SnapshotManifestV2> {
  const writer = new SnapshotWriterV2(deps);
  for await (const object of objects) await writer.add([object]);
  return writer.commit(draft);
}
