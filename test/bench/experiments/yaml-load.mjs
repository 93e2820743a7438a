#!/usr/bin/env node
// Experiment (not a benchmark of record): parsing snapshot YAML with js-yaml's load against
// @kubedump/dump's yamlLoad, in one process, the same documents, rounds alternating ABBA. The
// documents are the bench's object mix (test/bench/lib/seed.mjs) as a backup writes them (no
// server-set fields, Secret data in base64) through the emitter, or a local repository's snapshot.
//   node test/bench/experiments/yaml-load.mjs --objects 20000 --rounds 6
//   node test/bench/experiments/yaml-load.mjs --repo /path/to/local/repository [--snapshot <id>]
import { isDeepStrictEqual, parseArgs } from "node:util";
import { yamlDump } from "@kubedump/dump";
import { yamlLoad } from "@kubedump/dump/yaml-load";
import { openRepositoryFromBackend } from "@kubedump/repository";
import { load } from "js-yaml";
import { objectFor } from "../lib/seed.mjs";

const { values: a } = parseArgs({
  options: {
    objects: { type: "string", default: "20000" },
    rounds: { type: "string", default: "6" },
    repo: { type: "string" },
    snapshot: { type: "string" },
  },
});

/** The i-th bench object as the snapshot holds it. */
function snapshotObject(i) {
  const { body } = objectFor(i, 10);
  const namespace = `bench-${i % 10}`;
  const obj = { ...body, metadata: { ...body.metadata, namespace } };
  if (obj.stringData) {
    obj.data = Object.fromEntries(
      Object.entries(obj.stringData).map(([k, v]) => [k, Buffer.from(v).toString("base64")]),
    );
    delete obj.stringData;
  }
  return obj;
}

async function documents() {
  if (!a.repo) return Array.from({ length: Number(a.objects) }, (_, i) => yamlDump(snapshotObject(i)));
  const repository = await openRepositoryFromBackend({ backend: { local: { path: a.repo } }, secret: {} });
  const id = a.snapshot ?? (await repository.listSnapshots()).at(-1)?.id;
  if (!id) throw new Error(`no snapshot in ${a.repo}`);
  const out = [];
  for await (const { data } of repository.readObjects(id)) out.push(data.toString("utf8"));
  return out;
}

const docs = await documents();
const mb = docs.reduce((n, d) => n + Buffer.byteLength(d), 0) / 2 ** 20;
let same = 0;
for (const d of docs) if (isDeepStrictEqual(yamlLoad(d), load(d))) same++;
console.log(`${docs.length} documents, ${mb.toFixed(1)} MiB: ${same} parsed equal by both`);

const time = (parse) => {
  const t = performance.now();
  for (const d of docs) parse(d);
  return performance.now() - t;
};
time(load); // warm-up, not counted
time(yamlLoad);
const totals = { "js-yaml load": [], yamlLoad: [] };
for (let r = 0; r < Number(a.rounds); r++) {
  const order = r % 2 === 0 ? [load, yamlLoad] : [yamlLoad, load]; // ABBA
  for (const parse of order) totals[parse === load ? "js-yaml load" : "yamlLoad"].push(time(parse));
}
const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  return (s[Math.floor((s.length - 1) / 2)] + s[Math.ceil((s.length - 1) / 2)]) / 2;
};
for (const [name, ms] of Object.entries(totals)) {
  const m = median(ms);
  console.log(
    `${name.padEnd(13)} median ${m.toFixed(0)} ms (${((m * 1000) / docs.length).toFixed(1)} µs/object, ` +
      `${Math.round(docs.length / (m / 1000))} objects/s); rounds ${ms.map((x) => x.toFixed(0)).join(" ")} ms`,
  );
}
console.log(`yamlLoad is ${(median(totals["js-yaml load"]) / median(totals.yamlLoad)).toFixed(1)}x js-yaml's load`);
