#!/usr/bin/env node
// protobufjs by reflection (what packages/metrics uses) against its static code generation, on one
// body of 200 delimited MetricFamily messages (5 metrics each, a quarter histograms): load time
// and decode time per body. The static module is generated with protobufjs-cli, fetched by npx.
//
//   node test/bench/experiments/check-protobuf-decoding.mjs     (after npm run build)
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const PROTO = join(ROOT, "packages/metrics/src/proto/io/prometheus/client/metrics.proto");
const ROUNDS = 200;

function body(MetricFamily) {
  const families = Array.from({ length: 200 }, (_, i) => ({
    name: `m_${i}`,
    help: "some help text",
    type: i % 4 === 0 ? 4 : 1,
    metric: Array.from({ length: 5 }, (_, j) => ({
      label: [{ name: "a", value: `v${j}` }],
      ...(i % 4 === 0
        ? {
            histogram: {
              sample_count: 10,
              sample_sum: 3.5,
              bucket: [0.1, 1, 10].map((b, k) => ({ upper_bound: b, cumulative_count: k })),
            },
          }
        : { gauge: { value: j * 1.5 } }),
    })),
  }));
  return Buffer.concat(families.map((f) => MetricFamily.encodeDelimited(MetricFamily.fromObject(f)).finish()));
}

/** Milliseconds per decode of the whole body, after one warm-up. */
function decodeMs(bytes, decodeOne) {
  const all = () => {
    const reader = protobuf.Reader.create(bytes);
    while (reader.pos < reader.len) decodeOne(reader);
  };
  all();
  const t = performance.now();
  for (let i = 0; i < ROUNDS; i++) all();
  return (performance.now() - t) / ROUNDS;
}

let t = performance.now();
const MetricFamily = new protobuf.Root()
  .loadSync(PROTO, { keepCase: true })
  .lookupType("io.prometheus.client.MetricFamily");
const reflectLoad = performance.now() - t;
const bytes = body(MetricFamily);
const reflectDecode = decodeMs(bytes, (r) => MetricFamily.decodeDelimited(r));

const dir = mkdtempSync(join(tmpdir(), "kubedump-pbjs-"));
try {
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  const out = join(dir, "metrics.static.mjs");
  const flags = [
    "-t",
    "static-module",
    "-w",
    "es6",
    "--keep-case",
    "--no-create",
    "--no-encode",
    "--no-verify",
    "--no-convert",
  ];
  execFileSync("npx", ["--yes", "-p", "protobufjs-cli@2.7.1", "pbjs", ...flags, "-o", out, PROTO], {
    stdio: "inherit",
  });
  t = performance.now();
  const { io } = await import(out);
  const staticLoad = performance.now() - t;
  const Static = io.prometheus.client.MetricFamily;
  const staticDecode = decodeMs(bytes, (r) => Static.decode(r, r.uint32()));
  console.log(`body: ${bytes.length} bytes, 200 families; ms per decode over ${ROUNDS} rounds`);
  console.log(
    `reflection: load ${reflectLoad.toFixed(1)} ms (protobufjs already imported), decode ${reflectDecode.toFixed(2)} ms`,
  );
  console.log(`static:     load ${staticLoad.toFixed(1)} ms, decode ${staticDecode.toFixed(2)} ms`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
