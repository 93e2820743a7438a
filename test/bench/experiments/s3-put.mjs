#!/usr/bin/env node
// Experiment: the CPU of storing packs through S3ObjectStore.put on a private MinIO (plain HTTP, as
// the benchmarks run it), this checkout against others (built), alternately in one process. Each
// round puts --packs packs of 16.3 MiB (a pack of a full backup closes just past 16 MiB), three at
// once as the pack writer does, with the pack's sha256 as its hint; the CPU of making each pack
// and hashing it (the writer's own work) is measured alone and taken off.
//   node test/bench/experiments/s3-put.mjs --packs 12 --rounds 3 --roots .,/work/wt/base
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { startMinio } from "@kubedump/testenv";
import { benchArgs } from "../lib/bench-args.mjs";
import { cpuSeconds, median, threadCpuSeconds } from "../lib/common.mjs";

const HELP = "usage: node test/bench/experiments/s3-put.mjs [--packs N] [--rounds R] [--roots DIR,DIR]";
const { args, int } = benchArgs(
  {
    packs: { type: "string", default: "12" },
    rounds: { type: "string", default: "3" },
    roots: { type: "string", default: "." },
  },
  HELP,
);
const [PACKS, ROUNDS] = [int("packs"), int("rounds")];
const PACK_BYTES = 16 * 1024 * 1024 + 300 * 1024;
const IN_FLIGHT = 3;

const cpuNow = () => ({ all: cpuSeconds(), main: threadCpuSeconds() });

/** Makes the packs of one round (and hashes them) and, when `store` is given, puts them. */
async function round(store, seed) {
  const t0 = performance.now();
  const cpu0 = cpuNow();
  const uploads = [];
  for (let i = 0; i < PACKS; i++) {
    const pack = Buffer.allocUnsafe(PACK_BYTES).fill(seed + i);
    const id = createHash("sha256").update(pack).digest("hex");
    if (store) uploads.push(store.put(`data/${id.slice(0, 2)}/${id}`, pack, { sha256: id }));
    if (uploads.length >= IN_FLIGHT) await uploads.shift();
  }
  await Promise.all(uploads);
  const cpu = cpuNow();
  return { seconds: (performance.now() - t0) / 1000, all: cpu.all - cpu0.all, main: cpu.main - cpu0.main };
}

const dir = mkdtempSync(join(tmpdir(), "kubedump-s3-put-"));
const minio = await startMinio(dir);
try {
  const builds = [];
  for (const root of args.roots.split(",")) {
    const at = resolve(root);
    const { createS3ObjectStore } = await import(
      pathToFileURL(join(at, "packages/repository/dist/stores/s3-object-store.js")).href
    );
    const store = createS3ObjectStore({
      endpoint: minio.endpoint,
      accessKey: minio.accessKey,
      secretKey: minio.secretKey,
      bucket: "kubedump-s3-put",
      prefix: `${builds.length}`,
    });
    await store.put("warm", Buffer.from("x"));
    builds.push({ root, store, runs: [] });
  }
  const making = [];
  for (let r = 0; r < ROUNDS; r++) {
    making.push(await round(undefined, r));
    for (const b of r % 2 === 0 ? builds : [...builds].reverse()) b.runs.push(await round(b.store, r));
  }
  const make = { all: median(making.map((m) => m.all)), main: median(making.map((m) => m.main)) };
  process.stdout.write(
    `${PACKS} packs of ${(PACK_BYTES / 2 ** 20).toFixed(1)} MiB a round, ${ROUNDS} rounds, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}; making and hashing them alone: ${make.all.toFixed(2)} CPU-s (main ${make.main.toFixed(2)})\n` +
      "| build | wall s per round | put CPU-s per pack, all threads | main thread |\n|---|---|---|---|\n",
  );
  for (const b of builds) {
    const perPack = (k) => b.runs.map((x) => (((x[k] - make[k]) / PACKS) * 1000).toFixed(0)).join(" ");
    process.stdout.write(
      `| ${b.root} | ${b.runs.map((x) => x.seconds.toFixed(2)).join(" ")} | ${perPack("all")} ms | ${perPack("main")} ms |\n`,
    );
  }
} finally {
  await minio.process.stop();
  rmSync(dir, { recursive: true, force: true });
}
