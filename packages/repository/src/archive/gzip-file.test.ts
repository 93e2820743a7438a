import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GzipFileWriter } from "./gzip-file.js";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "kubedump-gzip-test-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("GzipFileWriter", () => {
  it("writes what it was given in order, also past its shared slots, and reports the file's size and sha256", async () => {
    const file = join(dir, "sub", "dir", "data.gz");
    const writer = new GzipFileWriter({ file, level: 1 });
    // Random data does not compress, so the 8 × 256 KiB slots fill and writes overflow.
    const pieces = [randomBytes(100), randomBytes(3 * 1024 * 1024 + 7), Buffer.alloc(0), randomBytes(300 * 1024)];
    const reused = Buffer.alloc(64 * 1024);
    let waited = 0;
    for (const piece of pieces) {
      if (!writer.write(piece)) {
        waited += 1;
        await writer.drained();
      }
    }
    for (let i = 0; i < 20; i += 1) {
      reused.fill(i); // the writer copies: changing the buffer afterwards changes nothing written
      writer.write(reused);
    }
    const digest = await writer.end();

    const stored = await readFile(file);
    expect(digest).toEqual({ bytes: stored.length, sha256: createHash("sha256").update(stored).digest("hex") });
    const expected = Buffer.concat([...pieces, ...Array.from({ length: 20 }, (_, i) => Buffer.alloc(64 * 1024, i))]);
    expect(gunzipSync(stored).equals(expected)).toBe(true);
    expect(waited).toBeGreaterThan(0);
  });

  it("fails end, drained and further writes when the file cannot be created", async () => {
    await writeFile(join(dir, "blocker"), "not a directory");
    const writer = new GzipFileWriter({ file: join(dir, "blocker", "data.gz"), level: 1 });
    for (let i = 0; i < 12; i += 1) writer.write(randomBytes(256 * 1024));
    await expect(writer.end()).rejects.toThrow(/EEXIST|ENOTDIR/);
    await expect(writer.drained()).rejects.toThrow(/EEXIST|ENOTDIR/);
    expect(() => writer.write(Buffer.from("x"))).toThrow(/EEXIST|ENOTDIR/);
  });

  it("fails end, drained and further writes when writing the file fails (a full disk)", async () => {
    const writer = new GzipFileWriter({ file: "/dev/full", level: 1 });
    for (let i = 0; i < 12; i += 1) if (!writer.write(randomBytes(256 * 1024))) break;
    await expect(writer.end()).rejects.toThrow(/ENOSPC/);
    await expect(writer.drained()).rejects.toThrow(/ENOSPC/);
    expect(() => writer.write(Buffer.from("x"))).toThrow(/ENOSPC/);
  });

  it("stops on abort and refuses writes afterwards", async () => {
    const writer = new GzipFileWriter({ file: join(dir, "data.gz"), level: 1 });
    writer.write(randomBytes(1024));
    await writer.abort();
    expect(() => writer.write(Buffer.from("x"))).toThrow(/aborted/);
    await expect(writer.end()).rejects.toThrow();
  });

  it("writes several files at once on its one thread, each complete and in order", async () => {
    const files = [0, 1, 2].map((i) => join(dir, `f${i}.gz`));
    const writers = files.map((file) => new GzipFileWriter({ file, level: 1 }));
    const written: Buffer[][] = [[], [], []];
    for (let round = 0; round < 40; round += 1) {
      for (const [i, writer] of writers.entries()) {
        const piece = randomBytes(7 * 1024 + round * 100 + i);
        written[i]?.push(piece);
        if (!writer.write(piece)) await writer.drained();
      }
    }
    const digests = await Promise.all(writers.map((w) => w.end()));
    for (const [i, file] of files.entries()) {
      const stored = await readFile(file);
      expect(digests[i]).toEqual({ bytes: stored.length, sha256: createHash("sha256").update(stored).digest("hex") });
      expect(gunzipSync(stored).equals(Buffer.concat(written[i] ?? []))).toBe(true);
    }
  });

  it("writes a gzip member per 256 KiB slot, which GNU gzip and zlib read back as one stream", async () => {
    const file = join(dir, "members.gz");
    const writer = new GzipFileWriter({ file, level: 1 });
    const data = Buffer.from("apiVersion: v1\nkind: ConfigMap\n".repeat(40_000)); // 1.3 MB: six slots
    if (!writer.write(data)) await writer.drained();
    await writer.end();
    const stored = await readFile(file);
    const headers = stored.reduce(
      (n, _, i) => n + (stored[i] === 0x1f && stored[i + 1] === 0x8b && stored[i + 2] === 8 ? 1 : 0),
      0,
    );
    expect(headers).toBeGreaterThanOrEqual(Math.ceil(data.length / (256 * 1024)));
    expect(gunzipSync(stored).equals(data)).toBe(true);
    expect(execFileSync("gzip", ["-dc", file], { maxBuffer: 64 * 1024 * 1024 }).equals(data)).toBe(true);
  });

  it("writes an empty file as a valid, empty gzip", async () => {
    const file = join(dir, "empty.gz");
    const digest = await new GzipFileWriter({ file, level: 1 }).end();
    const stored = await readFile(file);
    expect(digest.bytes).toBe(stored.length);
    expect(gunzipSync(stored).length).toBe(0);
  });

  it("serves file after file from the same slot buffers: 200 files leave no more ArrayBuffer memory than a few", async () => {
    // A new 2 MiB SharedArrayBuffer per file lived until the compressing thread's collector ran,
    // which it seldom does: a dump worker grew by 10 MiB a backup (docs/reliability.md, "Soak").
    const data = Buffer.from("kind: ConfigMap\n".repeat(1000));
    const before = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < 200; i += 1) {
      const writer = new GzipFileWriter({ file: join(dir, "reused.gz"), level: 1 });
      writer.write(data);
      await writer.end();
    }
    const grown = process.memoryUsage().arrayBuffers - before;
    expect(grown).toBeLessThan(16 * 1024 * 1024);
    expect(gunzipSync(await readFile(join(dir, "reused.gz"))).equals(data)).toBe(true);
  });

  it("gives a failed file's buffer to the next file, and the failed writer writes into it no more", async () => {
    const failed = new GzipFileWriter({ file: "/dev/full", level: 1 });
    for (let i = 0; i < 12; i += 1) if (!failed.write(randomBytes(256 * 1024))) break;
    await expect(failed.end()).rejects.toThrow(/ENOSPC/);
    const file = join(dir, "after-failure.gz");
    const next = new GzipFileWriter({ file, level: 1 });
    const data = randomBytes(1024 * 1024);
    next.write(data);
    expect(() => failed.write(Buffer.alloc(1024 * 1024, 0xff))).toThrow(/ENOSPC/);
    await next.end();
    expect(gunzipSync(await readFile(file)).equals(data)).toBe(true);
  });
});
