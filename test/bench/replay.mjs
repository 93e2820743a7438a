#!/usr/bin/env node
// The client side of a dump, alone: record the API server's answers to one kubedump backup, then
// replay them from memory to kubedump children. Without the API server sharing the two cores, the
// figures are the client's own (wall time, CPU of all its threads) and vary much less between
// runs than `npm run bench:dump`. Two builds compare by running `run` on each, alternately.
//
//   node test/bench/replay.mjs record --kubeconfig K --out pages.json   # through a recording proxy
//   node test/bench/replay.mjs record --objects 20000 --out pages.json   # of a private seeded test environment
//   node test/bench/replay.mjs run pages.json --runs 20                  # replayed, median of 20
//   node test/bench/replay.mjs run pages.json --format 2 --roots .,/work/base --runs 8   # two builds, alternately
//
// The replay server is plain HTTP on 127.0.0.1 in this process; each run is a fresh child
// (lib/kubedump-child.mjs), as in the dump benchmark. With --roots, the runs alternate between
// the builds (ABBA), each child loading the packages of its checkout. See docs/benchmarks.md.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request as httpRequest } from "node:http";
import { Agent, request } from "node:https";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadConnection } from "@kubedump/kube";
import { median, runMeasurement } from "./lib/common.mjs";
import { DUMP_FUNCTIONS, formatProfile, newProfiles, summariseProfile } from "./lib/profile.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const CHILD = join(HERE, "lib", "kubedump-child.mjs");
const USAGE = `usage: node test/bench/replay.mjs record (--kubeconfig FILE | --objects N) --out FILE [--include-namespaces GLOB]
       node test/bench/replay.mjs run FILE [--runs N] [--format 1|2] [--roots DIR,DIR] [--include-namespaces GLOB] [--cpu-prof DIR]`;

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    kubeconfig: { type: "string" },
    out: { type: "string" },
    runs: { type: "string", default: "10" },
    // record: seed a private test environment with this many objects (lib/seed.mjs) and record it
    objects: { type: "string" },
    // run: the repository format of the backups (default: openRepository's for a new repository)
    format: { type: "string" },
    // run: built checkouts whose packages the children load, comma-separated (default: this one)
    roots: { type: "string" },
    "include-namespaces": { type: "string", default: "bench-*" },
    // After the measured runs, one more run under `node --cpu-prof`, summarised (main thread).
    "cpu-prof": { type: "string" },
  },
});
const [mode, file] = positionals;
const fail = (msg) => {
  console.error(`${msg}\n${USAGE}`);
  process.exit(2);
};

/** Every answer, by accept header and URL; bodies base64 in the file. */
const keyOf = (req) => `${req.headers.accept ?? ""} ${req.url}`;

function serve(answer) {
  const server = createServer((req, res) => {
    answer(req).then(
      (a) => {
        res.writeHead(a.status, { "content-type": a.type ?? "application/json", "content-length": a.body.length });
        res.end(a.body);
      },
      (err) => {
        res.writeHead(502, { "content-type": "text/plain" });
        res.end(String(err));
      },
    );
  });
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok(server)));
}

/** A kubeconfig for a plain-HTTP server on this port. */
function kubeconfigFor(dir, port) {
  const path = join(dir, "kubeconfig");
  writeFileSync(
    path,
    `apiVersion: v1\nkind: Config\nclusters:\n- name: r\n  cluster: {server: "http://127.0.0.1:${port}"}\n` +
      "users:\n- name: r\n  user: {}\ncontexts:\n- name: r\n  context: {cluster: r, user: r}\ncurrent-context: r\n",
  );
  return path;
}

function childConfig(dir, kubeconfig, i, more = {}) {
  const { format = args.format === undefined ? undefined : Number(args.format) } = more;
  const includeNamespaces = [args["include-namespaces"]];
  return { kubeconfig, repo: join(dir, `repo-${i}`), includeNamespaces, scratchDir: dir, ...more, format };
}

/** The kubeconfig to record: --kubeconfig, or that of a private test environment seeded with --objects. */
async function recordedCluster() {
  if (args.kubeconfig) return { kubeconfig: args.kubeconfig, stop: async () => {} };
  if (!args.objects) fail("record needs --kubeconfig or --objects");
  const { startSeededEnv } = await import("./lib/rounds-env.mjs");
  const log = (m) => console.error(`record: ${m}`);
  let started;
  const { env } = await startSeededEnv({ objects: Number(args.objects), log, stopAtEnd: (e) => (started = e) });
  return { kubeconfig: env.kubeconfig, stop: () => started.stop() };
}

async function record() {
  if (!args.out) fail("record needs --out");
  const cluster = await recordedCluster();
  const conn = loadConnection({ kubeconfig: cluster.kubeconfig });
  const agent = new Agent({ keepAlive: true });
  const answers = new Map();
  const upstream = async (req) => {
    const url = new URL(conn.server + req.url);
    const https = url.protocol === "https:";
    const opts = {
      method: "GET",
      agent: https ? agent : undefined,
      headers: { accept: req.headers.accept ?? "application/json" },
    };
    await conn.apply(opts);
    if (conn.skipTLSVerify) opts.rejectUnauthorized = false;
    const answer = await new Promise((ok, ko) => {
      const r = (https ? request : httpRequest)(url, opts, (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () =>
          ok({ status: res.statusCode, type: res.headers["content-type"], body: Buffer.concat(chunks) }),
        );
        res.on("error", ko);
      });
      r.on("error", ko);
      r.end();
    });
    answers.set(keyOf(req), answer);
    return answer;
  };
  const server = await serve(upstream);
  const dir = mkdtempSync(join(tmpdir(), "kubedump-replay-"));
  try {
    const kubeconfig = kubeconfigFor(dir, server.address().port);
    // both formats' requests (the same today), so that either replays
    const r = await runMeasurement(CHILD, childConfig(dir, kubeconfig, "record-1", { format: 1 }));
    await runMeasurement(CHILD, childConfig(dir, kubeconfig, "record-2", { format: 2 }));
    const saved = Object.fromEntries(
      [...answers].map(([k, a]) => [k, { status: a.status, type: a.type, body: a.body.toString("base64") }]),
    );
    writeFileSync(args.out, JSON.stringify(saved));
    console.log(`recorded ${answers.size} answers (${r.objects} objects) to ${args.out}`);
  } finally {
    server.close();
    agent.destroy();
    rmSync(dir, { recursive: true, force: true });
    await cluster.stop();
  }
}

async function run() {
  if (!file) fail("run needs the recorded file");
  const runs = Number(args.runs);
  if (!Number.isInteger(runs) || runs < 1) fail(`--runs "${args.runs}": an integer >= 1`);
  const saved = JSON.parse(readFileSync(resolve(file), "utf8"));
  const answers = new Map(Object.entries(saved).map(([k, a]) => [k, { ...a, body: Buffer.from(a.body, "base64") }]));
  const server = await serve(
    async (req) =>
      answers.get(keyOf(req)) ?? {
        status: 404,
        body: Buffer.from(`{"kind":"Status","code":404,"message":"not recorded: ${req.url}"}`),
      },
  );
  const dir = mkdtempSync(join(tmpdir(), "kubedump-replay-"));
  const kubeconfig = kubeconfigFor(dir, server.address().port);
  const roots = (args.roots ?? ".").split(",").map((r) => resolve(r));
  const results = roots.map(() => []);
  try {
    for (let i = 0; i < runs; i++) {
      // ABBA: each build runs first as often as last
      const order = i % 2 === 0 ? roots.map((_, k) => k) : roots.map((_, k) => roots.length - 1 - k);
      for (const k of order) {
        const r = await runMeasurement(CHILD, childConfig(dir, kubeconfig, `${i}-${k}`, { root: roots[k] }));
        rmSync(join(dir, `repo-${i}-${k}`), { recursive: true, force: true });
        if (r.warnings.length) console.error(`run ${i + 1}: warnings: ${r.warnings.join("; ")}`);
        results[k].push(r);
        console.error(
          `run ${i + 1}/${runs} ${roots[k]}: ${r.objects} objects, ${r.seconds.toFixed(3)} s, CPU ${r.cpu.toFixed(3)} s ` +
            `(main thread ${r.mainCpu?.toFixed(2)}, GC ${r.gc?.toFixed(2)}), RSS ${(r.maxRss / 2 ** 20).toFixed(0)} MiB, ` +
            `${(r.bytes / 2 ** 20).toFixed(0)} MiB of YAML stored in ${(r.storedBytes / 2 ** 20).toFixed(0)} MiB`,
        );
      }
    }
    if (args["cpu-prof"]) await profileOne(dir, kubeconfig, resolve(args["cpu-prof"]));
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const format = args.format ? `format ${args.format}, ` : "";
  const first = { s: median(results[0].map((r) => r.seconds)), cpu: median(results[0].map((r) => r.cpu)) };
  roots.forEach((root, k) => {
    const rs = results[k];
    const s = median(rs.map((r) => r.seconds));
    const cpu = median(rs.map((r) => r.cpu));
    const mainCpu = median(rs.map((r) => r.mainCpu ?? Number.NaN));
    const gc = median(rs.map((r) => r.gc ?? Number.NaN));
    const vs = k === 0 ? "" : ` (${(s / first.s).toFixed(3)}x wall, ${(cpu / first.cpu).toFixed(3)}x CPU of the first)`;
    console.log(
      `${roots.length > 1 ? `${root}: ` : ""}replayed ${rs[0].objects} objects, ${format}${runs} runs: median ${s.toFixed(3)} s ` +
        `(${Math.round(rs[0].objects / s)} objects/s), CPU ${cpu.toFixed(3)} s, main thread ${mainCpu.toFixed(2)} s, GC ${gc.toFixed(2)} s, ` +
        `peak RSS ${(Math.max(...rs.map((r) => r.maxRss)) / 2 ** 20).toFixed(0)} MiB${vs}`,
    );
  });
}

/** One more run under --cpu-prof into DIR; prints the main thread's summary. */
async function profileOne(dir, kubeconfig, profDir) {
  mkdirSync(profDir, { recursive: true });
  const before = new Set(readdirSync(profDir));
  await runMeasurement(CHILD, childConfig(dir, kubeconfig, "prof"), {
    nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${profDir}`],
  });
  const { main } = newProfiles(profDir, before);
  console.log(
    `profile of one more run (main thread): ${main}\n${formatProfile(summariseProfile(main, { top: 30, inclusive: DUMP_FUNCTIONS }))}`,
  );
}

if (mode === "record") await record();
else if (mode === "run") await run();
else fail(`unknown mode "${mode ?? ""}"`);
