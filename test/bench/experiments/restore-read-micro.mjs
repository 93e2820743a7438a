#!/usr/bin/env node
// Experiment (not a benchmark of record): two choices of format 2's download in isolation, in one
// process, each way measured twice by the main thread's CPU-s (/proc/self/task/<pid>/stat, Linux):
//   inflate  3,000 frames of 64 KiB of YAML (level 1): inflateRawSync on the main thread, or
//            zlib.inflateRaw on libuv's pool, 8 at once (the frame thread's reason to be);
//   write    20,000 files of 2 KB into --dir, 16 at once: fs/promises' writeFile, fs.writeFile by
//            callback, or open/write/close by callbacks (writeTree's way till 2026-12-06); or
//            writeTree as built (packages/repository/dist: batches to its writing thread).
//   node test/bench/experiments/restore-read-micro.mjs --dir /dev/shm
import { close, constants, mkdirSync, open, rmSync, write, writeFile as writeFileCallback } from "node:fs";
import { writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { deflateRawSync, inflateRaw, inflateRawSync } from "node:zlib";
import { benchArgs } from "../lib/bench-args.mjs";
import { cpuSeconds, threadCpuSeconds } from "../lib/common.mjs";

const HELP = `usage: node test/bench/experiments/restore-read-micro.mjs [--dir DIR]
  --dir DIR   where the write case writes its files (default /dev/shm)`;
const { args } = benchArgs({ dir: { type: "string", default: "/dev/shm" } }, HELP);

const [mainCpu, allCpu] = [threadCpuSeconds, cpuSeconds];

/** Runs `count` calls of `one` (each given its number) at most `atOnce` at a time. */
async function atOnce(count, limit, one) {
  const running = new Set();
  for (let i = 0; i < count; i++) {
    const p = one(i).then(() => running.delete(p));
    running.add(p);
    if (running.size >= limit) await Promise.race(running);
  }
  await Promise.all(running);
}

async function measure(name, run) {
  const [main0, all0, t0] = [mainCpu(), allCpu(), performance.now()];
  await run();
  const figures = [mainCpu() - main0, allCpu() - all0, (performance.now() - t0) / 1000].map((x) => x.toFixed(2));
  process.stdout.write(`| ${name} | ${figures.join(" | ")} |\n`);
}

let yaml = "";
for (let i = 0; yaml.length < 64 * 1024; i++)
  yaml += `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\n  resourceVersion: "${100000 + i * 7}"\ndata:\n  key: ${Math.random().toString(36)}\n`;
const frames = Array.from({ length: 3000 }, (_, k) =>
  deflateRawSync(Buffer.from(yaml.replaceAll("cm-", `c${k}-`)), { level: 1 }),
);
const inflatePool = promisify(inflateRaw);
const max = { maxOutputLength: 2 * yaml.length };

const FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;
const data = Buffer.alloc(2000, "y");
const writeCallback = promisify(writeFileCallback);
const writeRaw = (path) =>
  new Promise((resolve, reject) =>
    open(path, FLAGS, 0o666, (err, fd) => {
      if (err) return reject(err);
      write(fd, data, 0, data.length, null, (failure) =>
        close(fd, (closing) => (failure || closing ? reject(failure || closing) : resolve())),
      );
    }),
  );
const { writeTree } = await import(
  pathToFileURL(
    resolve(dirname(fileURLToPath(import.meta.url)), "../../../packages/repository/dist/snapshot/download.js"),
  ).href
);
const writes = {
  "write: fs/promises writeFile": (path) => writeFile(path, data, { flag: FLAGS }),
  "write: fs.writeFile callback": (path) => writeCallback(path, data, { flag: FLAGS }),
  "write: open/write/close callbacks": writeRaw,
};

process.stdout.write("| case | main-thread CPU s | all threads CPU s | wall s |\n|---|---|---|---|\n");
for (let round = 0; round < 2; round++) {
  await measure("inflate: inflateRawSync", async () => {
    for (const f of frames) inflateRawSync(f, max);
  });
  await measure("inflate: inflateRaw on the pool", () => atOnce(frames.length, 8, (i) => inflatePool(frames[i], max)));
  for (const [name, one] of Object.entries(writes)) {
    const dir = join(args.dir, `restore-read-micro-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    await measure(name, () => atOnce(20000, 16, (i) => one(join(dir, `f${i}.yaml`))));
    rmSync(dir, { recursive: true, force: true });
  }
  const dir = join(args.dir, `restore-read-micro-${process.pid}`);
  async function* files() {
    for (let i = 0; i < 20000; i++) yield { path: `f${i}.yaml`, data };
  }
  await measure("write: writeTree (its writing thread)", () => writeTree(files(), dir));
  rmSync(dir, { recursive: true, force: true });
}
