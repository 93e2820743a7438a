import { once } from "node:events";
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { PassThrough } from "node:stream";
import type { Digest } from "./digest-stream.js";
import { writeGzipFile } from "./gzip-file.js";
import { DEFAULT_GZIP_LEVEL } from "./part-writer.js";
import type { IndexFile, IndexRecord } from "./types.js";

export interface IndexWriterOptions {
  /** Scratch file to write, e.g. `<dir>/index.json.gz`. */
  file: string;
  gzipLevel?: number;
}

/** Streams index records into a gzipped JSON Lines file. */
export interface IndexWriter {
  /** Resolves once the record is taken (stream backpressure). */
  add(record: IndexRecord): Promise<void>;
  finish(): Promise<IndexFile>;
  abort(): Promise<void>;
}

export function createIndexWriter({ file, gzipLevel = DEFAULT_GZIP_LEVEL }: IndexWriterOptions): IndexWriter {
  const source = new PassThrough();
  const done: Promise<Digest> = mkdir(dirname(file), { recursive: true }).then(() =>
    writeGzipFile({ source, file, level: gzipLevel }),
  );
  done.catch(() => {}); // observed by add() and finish()
  let records = 0;
  let closed = false;

  return {
    async add(record) {
      if (closed) throw new Error("IndexWriter.add: the writer is finished or aborted");
      records += 1;
      if (!source.write(`${JSON.stringify(record)}\n`)) {
        await Promise.race([once(source, "drain"), done]);
      }
    },
    async finish() {
      if (closed) throw new Error("IndexWriter.finish: the writer is finished or aborted");
      closed = true;
      source.end();
      const { bytes, sha256 } = await done;
      return { file, records, bytes, sha256 };
    },
    async abort() {
      closed = true;
      source.destroy(new Error("index writer aborted"));
      await done.catch(() => {});
    },
  };
}
