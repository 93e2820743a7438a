import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GZIP_THREAD_NICENESS, GzipFileWriter, sha256Each, stopGzipThread } from "./gzip-file.js";

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

  it("fails the files open when the thread dies, and the next file starts a new thread", async () => {
    const open = new GzipFileWriter({ file: join(dir, "lost.gz"), level: 1 });
    open.write(randomBytes(1024));
    await stopGzipThread();
    await expect(open.end()).rejects.toThrow(/gzip thread stopped/);
    expect(() => open.write(Buffer.from("x"))).toThrow(/gzip thread stopped/);

    const next = new GzipFileWriter({ file: join(dir, "next.gz"), level: 1 });
    next.write(Buffer.from("after"));
    await next.end();
    expect(gunzipSync(await readFile(join(dir, "next.gz"))).toString()).toBe("after");
  });

  // Linux only: elsewhere a thread has no priority of its own, and the thread keeps the process's.
  it.runIf(process.platform === "linux")("runs the compressing thread nicer than the rest of the process", async () => {
    /** The nice value in a /proc stat line (field 19, the 17th after the command's closing parenthesis). */
    const niceOf = (stat: string) => Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
    const base = niceOf(readFileSync("/proc/thread-self/stat", "utf8"));
    await stopGzipThread();
    const before = new Set(readdirSync("/proc/self/task"));
    const writer = new GzipFileWriter({ file: join(dir, "nice.gz"), level: 1 });
    writer.write(Buffer.from("nice"));
    await writer.end(); // the thread set its priority before it took the file
    const started = readdirSync("/proc/self/task").filter((tid) => !before.has(tid));
    const nice = started.map((tid) => niceOf(readFileSync(`/proc/self/task/${tid}/stat`, "utf8")));
    expect(nice).toContain(Math.min(19, base + GZIP_THREAD_NICENESS));
    expect(niceOf(readFileSync("/proc/thread-self/stat", "utf8"))).toBe(base);
    expect(gunzipSync(await readFile(join(dir, "nice.gz"))).toString()).toBe("nice");
  });

  it("computes the sha256 of each piece on its thread, from a copy taken at the call", async () => {
    const pooled = Buffer.from("a small string, a slice of Buffer's shared pool");
    const pieces = [
      randomBytes(300 * 1024),
      Buffer.alloc(0),
      pooled,
      randomBytes(1).subarray(0, 1),
      Buffer.from("x".repeat(5000)).subarray(10, 20),
    ];
    const expected = pieces.map((p) => createHash("sha256").update(p).digest("hex"));
    const digests = sha256Each(pieces);
    pooled.fill(0); // the caller may reuse its buffers at once
    expect(await digests).toEqual(expected);
    expect(await sha256Each([])).toEqual([]);
  });

  it("fails a digest request when the thread stops before answering", async () => {
    await stopGzipThread();
    const pending = sha256Each([randomBytes(1024)]); // starts a thread, which takes 20–30 ms to come up
    await stopGzipThread(); // stopped before it could
    await expect(pending).rejects.toThrow(/gzip thread stopped/);
    expect(await sha256Each([Buffer.from("after")])).toEqual([createHash("sha256").update("after").digest("hex")]);
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
});
