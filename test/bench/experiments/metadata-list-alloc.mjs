#!/usr/bin/env node
// Experiment: what listing the seeded objects costs the API server, by the way they are listed:
// metadata (protobuf PartialObjectMetadataList, as a second backup lists) per namespace or over
// all namespaces, at several page sizes, and whole (JSON, as a first backup lists). Each line is
// one listing of every object of the seed's seven types: the MiB the API server allocated
// (go_memstats_alloc_bytes_total), its GC cycles, its and etcd's CPU-s, and the wall time. The
// server's GC cycles come once per so many bytes allocated, so the MiB are what a listing costs
// it on the whole; the CPU-s of a line into which a cycle fell are about 1 to 2 higher. The two
// reads of /metrics around each listing allocate about 8 MiB of each line's figure themselves.
//
//   node test/bench/experiments/metadata-list-alloc.mjs --objects 100000 --rounds 2
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { KubeClient, listItemPages, listMetadataPages } from "@kubedump/kube";
import { benchArgs } from "../lib/bench-args.mjs";
import { createCleanup } from "../lib/cleanup.mjs";
import { runBench } from "../lib/common.mjs";
import { startSeededEnv } from "../lib/rounds-env.mjs";
import { NAMESPACE_PREFIX, SEED_TYPES } from "../lib/seed.mjs";
import { createServerWatch } from "../lib/server-watch.mjs";

const HELP = "usage: node test/bench/experiments/metadata-list-alloc.mjs [--objects N] [--rounds R]";
const { int } = benchArgs(
  { objects: { type: "string", default: "100000" }, rounds: { type: "string", default: "2" } },
  HELP,
);
const [N, ROUNDS] = [int("objects"), int("rounds")];
const log = (m) => process.stderr.write(`alloc: ${m}\n`);
const work = mkdtempSync(join(tmpdir(), "kubedump-metadata-list-alloc-"));
const { cleanup, stopAtEnd } = createCleanup({ work, log });

const NAMESPACES = Array.from({ length: 10 }, (_, i) => `${NAMESPACE_PREFIX}${i}`);

async function main() {
  const { env, conn } = await startSeededEnv({ objects: N, log, stopAtEnd });
  const watch = createServerWatch({ kubeconfig: env.kubeconfig, server: conn.server });
  const client = new KubeClient(conn, { qps: 1000, burst: 1000 });
  const count = async (pages) => {
    let n = 0;
    for await (const page of pages) n += "items" in page ? page.items.length : [...page].length;
    return n;
  };
  /** Lists every type (in each namespace, or over all); timed inside withServer, without its /metrics reads. */
  const each = (namespaced, list) => async () => {
    const t0 = performance.now();
    let n = 0;
    for (const rt of SEED_TYPES)
      for (const namespace of namespaced ? NAMESPACES : [undefined]) n += await count(list(rt, namespace));
    return { objects: n, seconds: (performance.now() - t0) / 1000 };
  };
  const ways = [
    ["metadata per namespace, 2000 a page (a second backup's)", true, 2000, listMetadataPages],
    ["metadata per namespace, 500 a page", true, 500, listMetadataPages],
    ["metadata per namespace, 10000 a page", true, 10000, listMetadataPages],
    ["metadata over all namespaces, 2000 a page", false, 2000, listMetadataPages],
    ["metadata over all namespaces, 50000 a page", false, 50000, listMetadataPages],
    ["whole JSON per namespace, 500 a page (a first backup's)", true, 500, listItemPages],
  ];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [label, namespaced, limit, lister] of ways) {
      await sleep(1500); // what the listing before left the server to do
      const r = await watch.withServer(each(namespaced, (rt, namespace) => lister(client, rt, { namespace, limit })));
      process.stdout.write(
        `round ${round}: ${label}: ${r.objects} objects, ${r.seconds.toFixed(2)} s, API server + etcd ${r.serverCpu?.toFixed(2) ?? "n/a"} CPU-s${watch.serverNote(r)}\n`,
      );
    }
  }
  client.close();
  watch.close();
}

runBench(main, cleanup);
