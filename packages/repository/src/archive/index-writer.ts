import { GzipFileWriter } from "./gzip-file.js";
import { DEFAULT_GZIP_LEVEL } from "./part-writer.js";
import type { IndexFile, IndexRecord } from "./types.js";

export interface IndexWriterOptions {
  /** Scratch file to write, e.g. `<dir>/index.json.gz`. */
  file: string;
  gzipLevel?: number;
}

/** Streams index records into a gzipped JSON Lines file. */
export interface IndexWriter {
  /** Appends records in order; resolves once they are taken (zlib backpressure). */
  add(records: readonly IndexRecord[]): Promise<void>;
  finish(): Promise<IndexFile>;
  abort(): Promise<void>;
}

export function createIndexWriter({ file, gzipLevel = DEFAULT_GZIP_LEVEL }: IndexWriterOptions): IndexWriter {
  const out = new GzipFileWriter({ file, level: gzipLevel });
  let records = 0;
  let closed = false;

  return {
    async add(batch) {
      if (closed) throw new Error("IndexWriter.add: the writer is finished or aborted");
      if (batch.length === 0) return;
      let lines = "";
      for (const record of batch) lines += `${JSON.stringify(record)}\n`;
      records += batch.length;
      if (!out.write(Buffer.from(lines))) await out.drained();
    },
    async finish() {
      if (closed) throw new Error("IndexWriter.finish: the writer is finished or aborted");
      closed = true;
      const { bytes, sha256 } = await out.end();
      return { file, records, bytes, sha256 };
    },
    async abort() {
      closed = true;
      await out.abort();
    },
  };
}
