#!/usr/bin/env node
// Child of restore-heap.mjs (run with --expose-gc): a restore's reads of snapshot `id` in the
// local repository `repo`, with the code of checkout `root`: verify (the snapshot alone), the
// index, the plan, every step's objects; after each, the heap that survives a full collection
// (above what the process held before) and the CPU-s so far; the index records' hidden classes.
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { setFlagsFromString } from "node:v8";
import { childConfig, cpuSeconds, emitResult, maxRssBytes } from "../lib/common.mjs";
import { readBeforeSteps } from "../lib/restore-reads.mjs";

setFlagsFromString("--allow-natives-syntax");
const sameMap = new Function("a", "b", "return %HaveSameMap(a, b)");
const cfg = childConfig();
const at = (path) => import(pathToFileURL(join(cfg.root, path)).href);
const { openRepositoryFromBackend } = await at("packages/repository/dist/index.js");
const { planRestore } = await at("packages/restore/dist/plan.js");

const settled = () => {
  global.gc();
  global.gc();
  return process.memoryUsage().heapUsed;
};
const base = settled();
const heap = {};
const cpu = {};
const done = (phase) => {
  cpu[phase] = cpuSeconds();
  heap[phase] = settled() - base;
};
const repository = await openRepositoryFromBackend({ backend: { local: { path: cfg.repo } }, secret: {} });
const { records, plan } = await readBeforeSteps(repository, cfg.id, planRestore, done);
let objects = 0;
for (const step of plan.steps)
  for await (const _ of repository.readObjects(cfg.id, { objects: step.records })) objects++;
done("steps");
// hidden classes among the records (one per set of fields, at best), by a sample of 2,000
const maps = [];
for (let i = 0; i < records.length; i += Math.max(1, Math.floor(records.length / 2000)))
  if (!maps.some((m) => sameMap(m, records[i]))) maps.push(records[i]);
emitResult({ objects, steps: plan.steps.length, heap, cpu, recordMaps: maps.length, maxRss: maxRssBytes() });
