import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { pack as tarPack } from "tar-stream";
import { checkArchivePath } from "./archive-path.js";
import type { Digest } from "./digest-stream.js";
import { writeGzipFile } from "./gzip-file.js";
import { packChunks } from "./tar-stream-adapters.js";
import { PARTS_DIR, partFileName } from "./layout.js";
import type { PartFile } from "./types.js";

export const DEFAULT_MAX_PART_BYTES = 256 * 1024 * 1024;
export const DEFAULT_GZIP_LEVEL = 6;

export interface PartWriterOptions {
  /** Scratch directory; parts go to `<dir>/parts/<n>.tar.gz`. */
  dir: string;
  /** Uncompressed YAML bytes per part before rolling over to the next (default 256 MiB). */
  maxPartBytes?: number;
  /** zlib level 0–9 (default 6). */
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

/** Streams objects into gzipped tar parts; never holds more than one object plus buffers. */
export interface PartWriter {
  /**
   * Resolves once the entry is taken (stream backpressure) with the number of the part that holds
   * it, for the object's index record. Calls must not overlap.
   */
  add(entry: PartEntry): Promise<number>;
  finish(): Promise<PartWriterResult>;
  /** Stops writing and closes files; the caller removes the scratch directory. */
  abort(): Promise<void>;
}

/** One part being written: tar-stream pack → merge → gzip → sha256 → file. */
class OpenPart {
  objects = 0;
  uncompressedBytes = 0;
  private readonly pack = tarPack();
  private readonly done: Promise<Digest>;
  private failure: unknown;
  private rejectPending: ((err: unknown) => void) | undefined;

  readonly n: number;
  readonly file: string;
  private readonly mtime: Date;

  constructor({ n, file, level, mtime }: { n: number; file: string; level: number; mtime: Date }) {
    this.n = n;
    this.file = file;
    this.mtime = mtime;
    this.done = mkdir(dirname(file), { recursive: true }).then(() => writeGzipFile({ source: packChunks(this.pack), file, level }));
    // A failed pipeline (disk full, ...) destroys the pack, so a pending add() rejects too; racing
    // every add() against `done` instead would keep one reaction per object alive until the part closes.
    this.done.catch((err: unknown) => {
      this.failure = err;
      this.rejectPending?.(err); // an add() waiting for backpressure would otherwise wait forever
      this.pack.destroy(); // no error argument: nothing may be listening for the pack's 'error' yet
    });
  }

  async add(entry: PartEntry): Promise<void> {
    const header = { name: entry.path, size: entry.data.length, mtime: this.mtime, type: "file" as const };
    if (this.failure) throw this.failure;
    // One add() at a time (see PartWriter.add), so one slot for its reject is enough.
    const taken = new Promise<void>((resolve, reject) => {
      this.rejectPending = reject;
      this.pack.entry(header, entry.data, (err) => (err ? reject(err) : resolve()));
    });
    try {
      await taken;
    } catch (err) {
      throw this.failure ?? err;
    } finally {
      this.rejectPending = undefined;
    }
    this.objects += 1;
    this.uncompressedBytes += entry.data.length;
  }

  async close(): Promise<PartFile> {
    this.pack.finalize();
    const { bytes, sha256 } = await this.done;
    const { n, file, objects, uncompressedBytes } = this;
    return { n, file, objects, bytes, uncompressedBytes, sha256 };
  }

  async abort(): Promise<void> {
    this.pack.destroy(new Error("part writer aborted"));
    await this.done.catch(() => {});
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

  async add(entry: PartEntry): Promise<number> {
    checkArchivePath(entry.path); // a bad path fails this call only
    this.enter("add");
    try {
      const n = await this.addEntry(entry);
      this.state = "open";
      return n;
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

  /** Rolls over before an object that would take a non-empty part past maxPartBytes. */
  private async addEntry(entry: PartEntry): Promise<number> {
    const { current } = this;
    if (current && current.objects > 0 && current.uncompressedBytes + entry.data.length > this.options.maxPartBytes) {
      this.parts.push(await current.close());
      this.current = undefined;
    }
    const n = this.parts.length;
    const { dir, gzipLevel: level, mtime } = this.options;
    this.current ??= new OpenPart({ n, file: join(dir, PARTS_DIR, partFileName(n)), level, mtime });
    await this.current.add(entry);
    return this.current.n;
  }
}

export function createPartWriter(options: PartWriterOptions): PartWriter {
  const maxPartBytes = options.maxPartBytes ?? DEFAULT_MAX_PART_BYTES;
  const gzipLevel = options.gzipLevel ?? DEFAULT_GZIP_LEVEL;
  checkOptions(maxPartBytes, gzipLevel);
  return new GzipTarPartWriter({ dir: options.dir, maxPartBytes, gzipLevel, mtime: options.mtime ?? new Date() });
}
