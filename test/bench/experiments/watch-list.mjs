#!/usr/bin/env node
// Experiment: what the API server spends on a second backup's listing of every object's metadata,
// asked for two ways, side by side in rounds on bench:incremental's objects: the paged protobuf
// PartialObjectMetadataList a backup reads today (2,000 a page, per namespace and type), and a
// streaming list (a watch with sendInitialEvents, the WatchList feature, beta and on by default
// since Kubernetes 1.32) of the same metadata as protobuf PartialObjectMetadata watch events, ended
// at the bookmark that marks the initial events' end. Per round: wall, the API server's and etcd's
// CPU-s, its GC cycles and the MiB it allocated (lib/server-watch.mjs), the bytes and objects read.
//
//   node test/bench/experiments/watch-list.mjs --objects 100000 --rounds 4
import { request } from "node:https";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { collectionPath, createKubeClient, METADATA_PROTOBUF_ACCEPT, readMetadataPage } from "@kubedump/kube";
import { benchArgs } from "../lib/bench-args.mjs";
import { benchTypes } from "../lib/bench-paths.mjs";
import { createCleanup } from "../lib/cleanup.mjs";
import { runBench } from "../lib/common.mjs";
import { startSeededEnv } from "../lib/rounds-env.mjs";
import { namespaceName } from "../lib/seed.mjs";
import { createServerWatch } from "../lib/server-watch.mjs";

const HELP = `usage: node test/bench/experiments/watch-list.mjs [--objects N] [--rounds R]`;
const { int } = benchArgs(
  { objects: { type: "string", default: "100000" }, rounds: { type: "string", default: "4" } },
  HELP,
);
const [N, ROUNDS] = [int("objects"), int("rounds")];
const log = (m) => process.stderr.write(`watch-list: ${m}\n`);
const work = mkdtempSync(join(tmpdir(), "kubedump-watch-list-"));
const { cleanup, stopAtEnd } = createCleanup({ work, log });
const WATCH_ACCEPT = "application/vnd.kubernetes.protobuf;as=PartialObjectMetadata;g=meta.k8s.io;v=v1";
const END = Buffer.from("k8s.io/initial-events-end");

async function main() {
  const { env, conn } = await startSeededEnv({ objects: N, log, stopAtEnd });
  const client = createKubeClient({ kubeconfig: env.kubeconfig, qps: 0 });
  const watch = createServerWatch({ kubeconfig: env.kubeconfig, server: conn.server });
  const types = await benchTypes(client);
  const lists = [];
  for (let i = 0; i < 10; i++) for (const rt of types) lists.push([rt, namespaceName(i)]);

  const paged = async () => {
    let objects = 0;
    let bytes = 0;
    for (const [rt, ns] of lists) {
      let cont;
      do {
        const body = await client.requestBody("GET", collectionPath(rt, ns), {
          query: { limit: 2000, continue: cont },
          accept: METADATA_PROTOBUF_ACCEPT,
        });
        bytes += body.length;
        const page = readMetadataPage(body);
        objects += page.items.length;
        cont = page.continue || undefined;
      } while (cont);
    }
    return { objects, bytes };
  };

  /** One streaming list: its frames (4-byte length, then a WatchEvent) until the initial events' end. */
  const streamOne = async (rt, ns) => {
    const url = new URL(conn.server + collectionPath(rt, ns));
    const q = {
      watch: "1",
      sendInitialEvents: "true",
      resourceVersionMatch: "NotOlderThan",
      allowWatchBookmarks: "true",
    };
    for (const [k, v] of Object.entries(q)) url.searchParams.set(k, v);
    const opts = { method: "GET", headers: { accept: WATCH_ACCEPT } };
    await conn.apply(opts);
    return new Promise((resolve, reject) => {
      const req = request(url, opts, (res) => {
        if (res.statusCode !== 200) {
          let text = "";
          res.on("data", (d) => (text += d));
          res.on("end", () => reject(new Error(`${res.statusCode} ${text.slice(0, 300)}`)));
          return;
        }
        let buf = Buffer.alloc(0);
        let events = 0;
        let bytes = 0;
        res.on("data", (chunk) => {
          bytes += chunk.length;
          buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
          while (buf.length >= 4) {
            const n = buf.readUInt32BE(0);
            if (buf.length < 4 + n) break;
            const frame = buf.subarray(4, 4 + n);
            buf = buf.subarray(4 + n);
            if (frame.indexOf(END) >= 0) {
              req.destroy();
              resolve({ objects: events, bytes });
              return;
            }
            events++;
          }
        });
        res.on("error", () => {});
      });
      req.on("error", (e) => reject(e));
      req.end();
    });
  };
  const streamed = async () => {
    let objects = 0;
    let bytes = 0;
    for (const [rt, ns] of lists) {
      const r = await streamOne(rt, ns);
      objects += r.objects;
      bytes += r.bytes;
    }
    return { objects, bytes };
  };

  const ways = { paged, streamed };
  for (let round = 1; round <= ROUNDS; round++) {
    const order = round % 2 ? ["paged", "streamed"] : ["streamed", "paged"];
    for (const name of order) {
      await sleep(1500);
      const t0 = performance.now();
      const r = await watch.withServer(() => ways[name]());
      const s = (performance.now() - t0) / 1000;
      log(
        `round ${round} ${name.padEnd(8)} ${s.toFixed(2)} s, ${r.objects} objects, ${(r.bytes / 1e6).toFixed(1)} MB; ` +
          `API server + etcd ${r.serverCpu?.toFixed(2)} CPU-s${watch.serverNote(r)}`,
      );
    }
  }
  client.close();
  watch.close();
}

runBench(main, cleanup);
