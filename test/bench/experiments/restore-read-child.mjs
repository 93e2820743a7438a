#!/usr/bin/env node
// Child of restore-read.mjs: a restore's reads alone, no cluster: verify, the index read, the plan
// and every step's objects read and parsed as a restore reads them (readStepObjects), with the
// time of each phase. Runs the code of checkout `root` (a base checkout, to compare).
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { childConfig, cpuSeconds, emitResult, maxRssBytes } from "../lib/common.mjs";
import { readBeforeSteps } from "../lib/restore-reads.mjs";

const cfg = childConfig();
const at = (path) => import(pathToFileURL(join(cfg.root, path)).href);
const { openRepositoryFromBackend } = await at("packages/repository/dist/index.js");
const { planRestore } = await at("packages/restore/dist/plan.js");
const { readStepObjects } = await at("packages/restore/dist/step-reader.js");

const phases = {};
let t = performance.now();
const lap = (name) => {
  const now = performance.now();
  phases[name] = (now - t) / 1000;
  t = now;
};
const t0 = performance.now();
const repository = await openRepositoryFromBackend({ backend: cfg.backend, secret: cfg.secret });
lap("open");
const { records, plan } = await readBeforeSteps(repository, cfg.id, planRestore, lap);
let objects = 0;
let first;
// Each object "written" as a restore writes it (CONCURRENCY in flight), each write taking what an
// API server writing cfg.writeRate objects a second takes: the steps' time above objects/writeRate
// is what the reads held the writes up.
const CONCURRENCY = 48;
const writeMs = cfg.writeRate ? (1000 * CONCURRENCY) / cfg.writeRate : 0;
const write = () => new Promise((done) => setTimeout(done, writeMs));
for (const step of plan.steps) {
  const inFlight = new Set();
  for await (const item of readStepObjects(repository, cfg.id, step.records)) {
    if (item.problem) throw new Error(item.problem);
    objects += 1;
    first ??= (performance.now() - t0) / 1000;
    if (!writeMs) continue;
    while (inFlight.size >= CONCURRENCY) await Promise.race(inFlight);
    const done = write().finally(() => inFlight.delete(done));
    inFlight.add(done);
  }
  await Promise.all(inFlight);
}
lap("steps");
emitResult({
  seconds: (performance.now() - t0) / 1000,
  firstObject: first,
  phases,
  steps: plan.steps.length,
  parts: new Set(records.map((r) => r.part)).size,
  objects,
  stall: writeMs ? phases.steps - objects / cfg.writeRate : undefined,
  cpu: cpuSeconds(),
  maxRss: maxRssBytes(),
});
