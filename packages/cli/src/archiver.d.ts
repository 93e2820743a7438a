// archiver 8 ships no types (and @types/archiver describes archiver 7's factory function); this is
// the part of its class API that archive-writer.ts uses, as lib/core.js and index.js define it.
declare module "archiver" {
  import type { Transform } from "node:stream";

  interface EntryData {
    /** The path inside the archive. */
    name: string;
    date?: Date;
    mode?: number;
    /** Called once the entry has been handed to the archive format (archiver's queue moves on). */
    callback?: () => void;
  }

  class Archiver extends Transform {
    append(source: Buffer | string | NodeJS.ReadableStream, data: EntryData): this;
    /** Resolves when the last byte has been produced, rejects on the format's error. */
    finalize(): Promise<void>;
    abort(): this;
    /** Bytes produced so far. */
    pointer(): number;
  }

  export class ZipArchive extends Archiver {
    constructor(options?: { zlib?: { level?: number }; forceZip64?: boolean; store?: boolean });
  }

  export class TarArchive extends Archiver {
    constructor(options?: { gzip?: boolean; gzipOptions?: { level?: number } });
  }
}
