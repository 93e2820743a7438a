import { createHash, randomBytes } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { gunzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GzipFileWriter } from "./gzip-file.js";
import { GZIP_THREAD_NICENESS, sha256Each, stopGzipThread } from "./gzip-thread.js";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "kubedump-gzip-thread-test-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the compressing thread", () => {
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
    const pending = sha256Each([randomBytes(1024)]); // starts a thread, which takes a while to come up
    await stopGzipThread(); // stopped before it could
    await expect(pending).rejects.toThrow(/gzip thread stopped/);
    expect(await sha256Each([Buffer.from("after")])).toEqual([createHash("sha256").update("after").digest("hex")]);
  });
});

describe("the threads of a process started with flags", () => {
  const dist = new URL("../../dist/", import.meta.url).href;
  // Starts the compressing thread (a digest on it) and the frame thread, then prints the digest.
  const script = `
    import { sha256Each, startWorker, stopGzipThread } from "${dist}archive/gzip-thread.js";
    const [digest] = await sha256Each([Buffer.from("abc")]);
    const frames = startWorker(new URL("${dist}format2/frame-worker.js"));
    await new Promise((online, fail) => { frames.once("online", online); frames.once("error", fail); });
    await frames.terminate();
    await stopGzipThread();
    console.log(digest);`;
  const abc = createHash("sha256").update("abc").digest("hex");

  it.each([
    ["V8's flags, from a script file", ["--max-old-space-size=256", "--max-semi-space-size=8"], false],
    ["V8's flags and --input-type, from text", ["--max-old-space-size=256", "--input-type=module"], true],
    ["Node's own flags and --input-type, from text", ["--trace-warnings", "--input-type", "module"], true],
  ])("start with %s", (_how, flags, asText) => {
    const file = join(dir, "threads.mjs");
    writeFileSync(file, script);
    const run = spawnSync(process.execPath, [...flags, ...(asText ? ["-e", script] : [file])], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.stdout.trim()).toBe(abc);
    expect(run.status).toBe(0);
  });
});
