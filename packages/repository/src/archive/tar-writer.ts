// A tar encoder for the one thing snapshot parts hold: regular files with fixed metadata. It writes
// POSIX ustar headers (a PAX 'path' record before any path that is not ASCII or longer than 100
// bytes) straight into large chunks, so a 1 KB object costs one header fill and one copy instead of
// a stream write per header, body and padding. Archives are read back with tar-stream (and GNU tar).

const BLOCK = 512;
const DEFAULT_CHUNK_BYTES = 256 * 1024;
/** Bodies of a quarter chunk or more are handed on as they are instead of being copied into a chunk. */
const MIN_CHUNK_BYTES = 4 * 1024;
/** Largest size an 11-digit octal field holds (8 GiB - 1). */
const MAX_SIZE = 0o77777777777;
const TYPE_FILE = 0x30; // '0'
const TYPE_PAX = 0x78; // 'x'
const ASCII = /^[\x20-\x7e]*$/;

export interface TarWriterOptions {
  /** Takes each finished chunk; it must copy what it keeps, as the writer reuses the memory. */
  out: (chunk: Buffer) => void;
  /** mtime of every entry. */
  mtime: Date;
  chunkBytes?: number;
}

export class TarWriter {
  private readonly out: (chunk: Buffer) => void;
  /** A header block without name, size and type; the checksum field holds spaces, as it counts. */
  private readonly template = Buffer.alloc(BLOCK);
  private readonly templateSum: number;
  private readonly chunkBytes: number;
  private readonly chunk: Buffer;
  private pos = 0;

  constructor({ out, mtime, chunkBytes = DEFAULT_CHUNK_BYTES }: TarWriterOptions) {
    this.out = out;
    const t = this.template;
    t.write("0000644", 100, "latin1"); // mode
    t.write("0000000", 108, "latin1"); // uid
    t.write("0000000", 116, "latin1"); // gid
    t.write(octal(Math.max(0, Math.floor(mtime.getTime() / 1000)), 11), 136, "latin1");
    t.write("        ", 148, "latin1");
    t.write("ustar", 257, "latin1"); // then NUL
    t.write("00", 263, "latin1");
    this.templateSum = t.reduce((sum, byte) => sum + byte, 0);
    if (chunkBytes < MIN_CHUNK_BYTES)
      throw new RangeError(`tar: chunkBytes must be at least ${MIN_CHUNK_BYTES}, got ${chunkBytes}`);
    this.chunkBytes = chunkBytes;
    this.chunk = Buffer.allocUnsafe(chunkBytes);
  }

  /** Appends one regular file (mode 0644, owner 0:0). */
  addFile(path: string, data: Uint8Array): void {
    if (data.length > MAX_SIZE)
      throw new RangeError(`tar: ${path} has ${data.length} bytes, more than a tar entry holds`);
    if (path.length <= 100 && ASCII.test(path)) {
      this.header(path, data.length, TYPE_FILE);
    } else {
      const record = paxRecord("path", path);
      this.header("PaxHeader", record.length, TYPE_PAX);
      this.body(record);
      this.header(path.replace(/[^\x20-\x7e]/g, "_").slice(0, 100), data.length, TYPE_FILE);
    }
    this.body(data);
  }

  /** Writes the two zero blocks that end an archive and hands on the last chunk. */
  end(): void {
    this.reserve(2 * BLOCK);
    this.chunk.fill(0, this.pos, this.pos + 2 * BLOCK);
    this.pos += 2 * BLOCK;
    this.flush();
  }

  private header(name: string, size: number, type: number): void {
    this.reserve(BLOCK);
    const o = this.pos;
    const sizeText = octal(size, 11);
    this.template.copy(this.chunk, o);
    this.chunk.write(name, o, 100, "latin1");
    this.chunk.write(sizeText, o + 124, "latin1");
    this.chunk[o + 156] = type;
    const sum = this.templateSum + charSum(name) + charSum(sizeText) + type;
    this.chunk.write(`${octal(sum, 6)}\0 `, o + 148, "latin1");
    this.pos += BLOCK;
  }

  /** The bytes of an entry, then zeros up to the next block. */
  private body(data: Uint8Array): void {
    const padding = (BLOCK - (data.length % BLOCK)) % BLOCK;
    if (data.length >= this.chunkBytes / 4) {
      this.flush();
      this.out(Buffer.from(data.buffer, data.byteOffset, data.length));
    } else {
      this.reserve(data.length);
      this.chunk.set(data, this.pos);
      this.pos += data.length;
    }
    this.reserve(padding);
    this.chunk.fill(0, this.pos, this.pos + padding);
    this.pos += padding;
  }

  /** Makes room for `n` bytes (n < chunkBytes) in the current chunk. */
  private reserve(n: number): void {
    if (this.pos + n > this.chunkBytes) this.flush();
  }

  private flush(): void {
    if (this.pos === 0) return;
    this.out(this.chunk.subarray(0, this.pos));
    this.pos = 0;
  }
}

/** Sum of the character codes of an ASCII string: its bytes' share of a header checksum. */
function charSum(s: string): number {
  let sum = 0;
  for (let i = 0; i < s.length; i++) sum += s.charCodeAt(i);
  return sum;
}

function octal(n: number, digits: number): string {
  return n.toString(8).padStart(digits, "0");
}

/** One PAX extended-header record, "<length> <key>=<value>\n", whose length counts itself. */
function paxRecord(key: string, value: string): Buffer {
  const rest = Buffer.byteLength(` ${key}=${value}\n`);
  const digits = String(rest).length;
  let length = rest + digits;
  if (String(length).length > digits) length += 1;
  return Buffer.from(`${length} ${key}=${value}\n`);
}
