import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describe, expect, it } from "vitest";
import { IntegrityError } from "../errors.js";
import { DecryptStream, EncryptStream } from "./chunked-aead.js";

const KEY = randomBytes(32);
const OBJECT = "snapshots/20261126T020000Z-0a1b2c3d/parts/00000.tar.gz";
const CHUNK = 1024;
const HEADER = 44;
const FRAME = CHUNK + 16;

async function run(source: Buffer, transform: EncryptStream | DecryptStream, pieceBytes = 333): Promise<Buffer> {
  const pieces = Array.from({ length: Math.ceil(source.length / pieceBytes) }, (_, i) =>
    source.subarray(i * pieceBytes, (i + 1) * pieceBytes),
  );
  const out: Buffer[] = [];
  await pipeline(Readable.from(pieces), transform, async (chunks: AsyncIterable<Buffer>) => {
    for await (const chunk of chunks) out.push(chunk);
  });
  return Buffer.concat(out);
}

const encrypt = (plain: Buffer, key = OBJECT) => run(plain, new EncryptStream(KEY, key, CHUNK));
const decrypt = (sealed: Buffer, key = OBJECT, dataKey = KEY) => run(sealed, new DecryptStream(dataKey, key), 500);

async function decryptError(sealed: Buffer, key = OBJECT, dataKey = KEY): Promise<IntegrityError> {
  const error = await decrypt(sealed, key, dataKey).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(IntegrityError);
  expect((error as IntegrityError).key).toBe(key);
  return error as IntegrityError;
}

describe("EncryptStream and DecryptStream", () => {
  it.each([
    ["empty", 0],
    ["shorter than a chunk", 100],
    ["exactly one chunk", CHUNK],
    ["exactly three chunks", 3 * CHUNK],
    ["many chunks and a partial one", 10 * CHUNK + 7],
  ])("round-trips %s", async (_label, size) => {
    const plain = randomBytes(size);
    const sealed = await encrypt(plain);
    expect(sealed.length).toBe(HEADER + Math.max(1, Math.ceil(size / CHUNK)) * 16 + size);
    expect((await decrypt(sealed)).equals(plain)).toBe(true);
  });

  it("leaves no plaintext in the output and never repeats a ciphertext", async () => {
    const plain = Buffer.from("password: hunter2-very-secret\n".repeat(200));
    const [a, b] = [await encrypt(plain), await encrypt(plain)];
    expect(a.includes(Buffer.from("hunter2"))).toBe(false);
    expect(a.subarray(HEADER).equals(b.subarray(HEADER))).toBe(false);
  });

  it.each([
    ["a flipped byte in a chunk", (s: Buffer) => flip(s, HEADER + FRAME + 5), /chunk 1: authentication failed/],
    ["a flipped byte in a tag", (s: Buffer) => flip(s, HEADER + FRAME - 1), /chunk 0: authentication failed/],
    ["a flipped byte in the salt", (s: Buffer) => flip(s, HEADER - 1), /chunk 0: authentication failed/],
    [
      "truncation at a chunk boundary",
      (s: Buffer) => s.subarray(0, HEADER + 2 * FRAME),
      /chunk 1: authentication failed/,
    ],
    ["truncation inside a chunk", (s: Buffer) => s.subarray(0, s.length - 20), /chunk 2: authentication failed/],
    [
      "a dropped chunk",
      (s: Buffer) => Buffer.concat([s.subarray(0, HEADER + FRAME), s.subarray(HEADER + 2 * FRAME)]),
      /chunk 1/,
    ],
    ["swapped chunks", (s: Buffer) => swapFrames(s), /chunk 0: authentication failed/],
    ["appended bytes", (s: Buffer) => Buffer.concat([s, Buffer.alloc(FRAME)]), /chunk 2: authentication failed/],
    ["only the header", (s: Buffer) => s.subarray(0, HEADER), /truncated/],
    ["a cut header", (s: Buffer) => s.subarray(0, 10), /too short/],
    [
      "a foreign header",
      (s: Buffer) => Buffer.concat([Buffer.from("PK\x03\x04"), s.subarray(4)]),
      /not encrypted by kubedump/,
    ],
  ])("detects %s", async (_label, damage, message) => {
    const sealed = await encrypt(randomBytes(2 * CHUNK + 100));
    expect((await decryptError(damage(sealed))).message).toMatch(message);
  });

  it("refuses an object moved to another key", async () => {
    const sealed = await encrypt(randomBytes(100));
    const error = await decryptError(sealed, "snapshots/20261126T020000Z-0a1b2c3d/parts/00001.tar.gz");
    expect(error.message).toMatch(/parts\/00001\.tar\.gz: cannot decrypt chunk 0/);
  });

  it("refuses another repository's key", async () => {
    const sealed = await encrypt(randomBytes(100));
    await decryptError(sealed, OBJECT, randomBytes(32));
  });
});

function flip(data: Buffer, at: number): Buffer {
  const copy = Buffer.from(data);
  copy[at] = (copy[at] as number) ^ 0x01;
  return copy;
}

function swapFrames(sealed: Buffer): Buffer {
  const header = sealed.subarray(0, HEADER);
  const [a, b] = [sealed.subarray(HEADER, HEADER + FRAME), sealed.subarray(HEADER + FRAME, HEADER + 2 * FRAME)];
  return Buffer.concat([header, b, a, sealed.subarray(HEADER + 2 * FRAME)]);
}
