import type { BlobSource } from "../format2/blob-source.js";
import type { Format2Keys } from "../format2/keys.js";
import type { ObjectStore } from "../stores/object-store.js";
import { JOURNAL_PREFIX, parseSegmentKey } from "./layout.js";
import { decodeSegment, MAX_SEGMENT_BYTES } from "./segment-format.js";

export interface JournalVerifyDeps {
  store: ObjectStore;
  keys: Format2Keys | null;
  /** The blobs of the repository's index. */
  source: BlobSource;
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Verify's journal step: every segment under journal/ reads (segment-format.ts checks) and every
 * blob it names is in an index file. Resolves with one message per problem, each naming the
 * segment's key; nothing stops at the first.
 */
export async function verifyJournal(deps: JournalVerifyDeps): Promise<{ segments: number; problems: string[] }> {
  const problems: string[] = [];
  let segments = 0;
  try {
    for await (const entry of deps.store.list(JOURNAL_PREFIX)) {
      const info = parseSegmentKey(entry.key);
      if (info === undefined) continue;
      segments += 1;
      try {
        const { records } = decodeSegment(deps.keys, info, await deps.store.getBuffer(info.key, MAX_SEGMENT_BYTES));
        for (const record of records)
          if (record.type === "change" && record.blob !== undefined && !deps.source.has(record.blob))
            problems.push(`journal segment ${info.key}: data blob ${record.blob} is in no index file`);
      } catch (err) {
        problems.push(`journal segment ${info.key} does not read: ${messageOf(err)}`);
      }
    }
  } catch (err) {
    problems.push(`journal segments do not list: ${messageOf(err)}`);
  }
  return { segments, problems };
}
