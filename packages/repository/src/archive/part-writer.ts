import { join } from "node:path";
import { checkArchivePath } from "../safe-path.js";
import { PARTS_DIR, partFileName } from "../snapshot/layout.js";
import { GzipFileWriter } from "./gzip-file.js";
import { TarWriter } from "./tar-writer.js";
import type { PartFile } from "./types.js";

export const DEFAULT_MAX_PART_BYTES = 256 * 1024 * 1024;
/**
 * 8 MiB of shared slots between a part and the compressing thread (four times a writer's
 * default), so the dump can run further ahead of it when that thread gets less CPU for a while
 * (docs/benchmarks.md, "What moved it").
 */
const PART_GZIP_SLOTS = 32;
export const DEFAULT_GZIP_LEVEL = 1;

export interface PartWriterOptions {
  /** Scratch directory; parts go to `<dir>/parts/<n>.tar.gz`. */
  dir: string;
  /** Uncompressed YAML bytes per part before rolling over to the next (default 256 MiB). */
  maxPartBytes?: number;
  /** zlib level 0–9 (default 1, the fastest: see docs/benchmarks.md for what higher levels cost). */
  gzipLevel?: number;
  /** mtime of every archive entry (default: when the writer was created). */
  mtime?: Date;
}

export interface PartEntry {
  /** Archive path, from `pathFor`. */
  path: string;
  data: Buffer;
}

export interface PartWriterResult {
  parts: PartFile[];
  objects: number;
  /** Sum of the YAML bytes over all parts. */
  uncompressedBytes: number;
}

/** Streams objects into gzipped tar parts; holds no more than the batch being added plus zlib's buffers. */
export interface PartWriter {
  /**
   * Appends entries in order; resolves once they are taken (zlib backpressure) with the number of
   * the part that holds each, for the objects' index records. A batch with an unsafe path is
   * refused whole and leaves the writer usable. Calls must not overlap.
   */
  add(entries: readonly PartEntry[]): Promise<number[]>;
  finish(): Promise<PartWriterResult>;
  /** Stops writing and closes files; the caller removes the scratch directory. */
  abort(): Promise<void>;
}

/** One part being written: tar writer → (gzip thread) gzip → sha256 → file. */
class OpenPart {
  objects = 0;
  uncompressedBytes = 0;
  private readonly out: GzipFileWriter;
  private readonly tar: TarWriter;
  private full = false;

  readonly n: number;
  readonly file: string;

  constructor({ n, file, level, mtime }: { n: number; file: string; level: number; mtime: Date }) {
    this.n = n;
    this.file = file;
    this.out = new GzipFileWriter({ file, level, slots: PART_GZIP_SLOTS });
    this.tar = new TarWriter({
      mtime,
      out: (chunk) => {
        if (!this.out.write(chunk)) this.full = true;
      },
    });
  }

  /** Appends an entry; true when zlib is behind and the caller should await `drained()`. */
  add(entry: PartEntry): boolean {
    this.tar.addFile(entry.path, entry.data);
    this.objects += 1;
    this.uncompressedBytes += entry.data.length;
    return this.full;
  }

  async drained(): Promise<void> {
    this.full = false;
    await this.out.drained();
  }

  async close(): Promise<PartFile> {
    this.tar.end();
    const { bytes, sha256 } = await this.out.end();
    const { n, file, objects, uncompressedBytes } = this;
    return { n, file, objects, bytes, uncompressedBytes, sha256 };
  }

  abort(): Promise<void> {
    return this.out.abort();
  }
}

function checkOptions(maxPartBytes: number, gzipLevel: number): void {
  if (!Number.isSafeInteger(maxPartBytes) || maxPartBytes <= 0) {
    throw new RangeError(`maxPartBytes must be a positive integer, got ${maxPartBytes}`);
  }
  if (!Number.isInteger(gzipLevel) || gzipLevel < 0 || gzipLevel > 9) {
    throw new RangeError(`gzipLevel must be an integer from 0 to 9, got ${gzipLevel}`);
  }
}

type ResolvedOptions = Required<PartWriterOptions>;

class GzipTarPartWriter implements PartWriter {
  private readonly parts: PartFile[] = [];
  private current: OpenPart | undefined;
  private state: "open" | "busy" | "closed" = "open";

  constructor(private readonly options: ResolvedOptions) {}

  async add(entries: readonly PartEntry[]): Promise<number[]> {
    for (const entry of entries) checkArchivePath(entry.path); // a bad path fails this call only
    this.enter("add");
    try {
      const placed: number[] = [];
      for (const entry of entries) {
        const n = this.addEntry(entry);
        placed.push(typeof n === "number" ? n : await n);
      }
      this.state = "open";
      return placed;
    } catch (err) {
      this.state = "closed";
      await this.current?.abort();
      throw err;
    }
  }

  async finish(): Promise<PartWriterResult> {
    this.enter("finish");
    this.state = "closed";
    if (this.current) this.parts.push(await this.current.close());
    this.current = undefined;
    const objects = this.parts.reduce((sum, p) => sum + p.objects, 0);
    const uncompressedBytes = this.parts.reduce((sum, p) => sum + p.uncompressedBytes, 0);
    return { parts: [...this.parts], objects, uncompressedBytes };
  }

  async abort(): Promise<void> {
    this.state = "closed";
    await this.current?.abort();
    this.current = undefined;
  }

  private enter(what: string): void {
    if (this.state === "busy") throw new Error(`PartWriter.${what}: the previous add() has not finished`);
    if (this.state === "closed") throw new Error(`PartWriter.${what}: the writer is finished or aborted`);
    this.state = "busy";
  }

  /**
   * Rolls over before an object that would take a non-empty part past maxPartBytes. Returns the
   * part's number, or a promise of it when it had to wait (a part closing, zlib behind), so the
   * common case costs no promise per object.
   */
  private addEntry(entry: PartEntry): number | Promise<number> {
    const { current } = this;
    if (current && current.objects > 0 && current.uncompressedBytes + entry.data.length > this.options.maxPartBytes) {
      this.current = undefined;
      return current.close().then((closed) => {
        this.parts.push(closed);
        return this.addEntry(entry);
      });
    }
    const n = this.parts.length;
    const { dir, gzipLevel: level, mtime } = this.options;
    this.current ??= new OpenPart({ n, file: join(dir, PARTS_DIR, partFileName(n)), level, mtime });
    const part = this.current;
    return part.add(entry) ? part.drained().then(() => part.n) : part.n;
  }
}

export function createPartWriter(options: PartWriterOptions): PartWriter {
  const maxPartBytes = options.maxPartBytes ?? DEFAULT_MAX_PART_BYTES;
  const gzipLevel = options.gzipLevel ?? DEFAULT_GZIP_LEVEL;
  checkOptions(maxPartBytes, gzipLevel);
  return new GzipTarPartWriter({ dir: options.dir, maxPartBytes, gzipLevel, mtime: options.mtime ?? new Date() });
}
