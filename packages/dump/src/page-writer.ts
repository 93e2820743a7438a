import type { KubeObject, ResourceType } from "@kubedump/kube";
import { type IndexRecord, sha256Each } from "@kubedump/repository/archive";
import { pathFor } from "@kubedump/repository/snapshot";
import { isMetadataStub, stubReuse } from "./changed-pages.js";
import type { DumpEntry, DumpReuse, DumpSink, PartsSink, ReusedBlob, ReusedEntry, ReusedRecord } from "./dump-sink.js";
import type { RecordQueue } from "./record-queue.js";
import { storedYaml } from "./serialize.js";

export interface PageWriterDeps {
  sink: DumpSink;
  records: RecordQueue;
  /** Strip what the server set; false keeps objects exactly as returned. */
  sanitize: boolean;
  /** Finds unchanged objects, which are then not serialized again (format 2). */
  reuse?: DumpReuse;
}

/** What a page added to the snapshot: its objects, their uncompressed YAML bytes, and how many were reused. */
export interface WrittenPage {
  objects: number;
  bytes: number;
  reused: number;
}

export type PageWriter = (
  objects: Iterable<KubeObject>,
  rt: ResourceType,
  keep: (obj: KubeObject) => boolean,
) => Promise<WrittenPage>;

/** Sanitizes, serializes and stores the objects of a page of one type that `keep` lets through. */
export function createPageWriter(deps: PageWriterDeps): PageWriter {
  return async (objects, rt, keep) => {
    const entries: DumpEntry[] = [];
    const reused: ReusedEntry[] = [];
    let bytes = 0;
    for (const obj of objects) {
      // a stub the reuse table gave a blob for was kept by wholePage, which looked it up (stubReuse)
      const found = stubReuse(obj);
      if (found === undefined && !keep(obj)) continue;
      const version = obj.metadata.resourceVersion;
      const resourceVersion = typeof version === "string" && version !== "" ? version : undefined;
      const stored = resourceVersion ? (found ?? findStored(deps.reuse, obj, rt, resourceVersion)) : undefined;
      if (stored && resourceVersion) {
        // no path: the writer checks that its coordinates would make one
        const record = objectRecordOf(obj, rt, stored);
        reused.push({ record, blob: stored.blob, resourceVersion, entry: stored.entry });
        bytes += stored.bytes;
        continue;
      }
      const record = recordOf(obj, rt); // before sanitize, which edits the object's spec in place
      if (isMetadataStub(obj))
        throw new Error(
          `${record.path}: listed as metadata only and not found in the reuse table when stored (a kubedump bug); the backup stops rather than store the object without its content`,
        );
      const data = storedYaml(obj, deps.sanitize);
      record.bytes = data.length;
      entries.push({ path: record.path, data, resourceVersion, record });
      bytes += data.length;
    }
    const { sink, records, reuse } = deps;
    // in the dump's order with the pages before, which may still wait for their digests
    if (reused.length > 0 && reuse) await records.inOrder(() => reuse.add(reused));
    if (entries.length === 0) return { objects: reused.length, bytes, reused: reused.length };
    if ("addPage" in sink) await records.addPage(entries);
    else await storeInParts(sink, records, entries);
    return { objects: entries.length + reused.length, bytes, reused: reused.length };
  };
}

/** Stores a page's objects in archive parts, and their records once the digests are back (RecordQueue). */
async function storeInParts(sink: PartsSink, records: RecordQueue, entries: DumpEntry[]): Promise<void> {
  const digests = sha256Each(entries.map((e) => e.data));
  digests.catch(() => {}); // awaited in the record queue
  const parts = await sink.addObjects(entries);
  const page = entries.map((e, i) => {
    e.record.part = parts[i] ?? 0;
    return e.record;
  });
  await records.add(page, digests);
}

/** What the reuse table stored for `obj` at this resourceVersion, if anything (an object listed whole). */
function findStored(
  reuse: DumpReuse | undefined,
  obj: KubeObject,
  rt: ResourceType,
  resourceVersion: string,
): ReusedBlob | undefined {
  if (!reuse) return undefined;
  const { group, version, resource } = rt;
  return reuse.find({ group, version, resource, uid: obj.metadata.uid ?? "" }, resourceVersion);
}

/** An object's index record, its size, digest and part filled in once they are known. */
function recordOf(obj: KubeObject, rt: ResourceType): IndexRecord {
  const namespace = rt.namespaced ? obj.metadata.namespace : undefined;
  const path = pathFor({ group: rt.group, resource: rt.resource, namespace, name: obj.metadata.name });
  return {
    path,
    group: rt.group,
    version: rt.version,
    resource: rt.resource,
    kind: rt.kind,
    namespace,
    name: obj.metadata.name,
    uid: obj.metadata.uid ?? "",
    ownerReferences: obj.metadata.ownerReferences,
    sha256: "",
    bytes: 0,
    part: 0,
  };
}

/** An unchanged object's record: recordOf's fields but the path and part, with the stored YAML's digest and size. */
function objectRecordOf(obj: KubeObject, rt: ResourceType, stored: ReusedBlob): ReusedRecord {
  return {
    group: rt.group,
    version: rt.version,
    resource: rt.resource,
    kind: rt.kind,
    namespace: rt.namespaced ? obj.metadata.namespace : undefined,
    name: obj.metadata.name,
    uid: obj.metadata.uid ?? "",
    ownerReferences: obj.metadata.ownerReferences,
    sha256: stored.sha256,
    bytes: stored.bytes,
  };
}
