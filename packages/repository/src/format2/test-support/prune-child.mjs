// A prune for prune-kill.test.ts to SIGKILL mid-way: it runs the built library (dist), prints each
// step it finishes on its own line, and deletes slowly so that a kill lands between deletions.
// Usage: node prune-child.mjs '<{"local": root} or {"s3": S3ObjectStoreOptions}>'
import { setTimeout as sleep } from "node:timers/promises";
import { pruneRepository } from "../../../dist/format2/index.js";
import { createLocalObjectStore } from "../../../dist/stores/local-object-store.js";
import { createS3ObjectStore } from "../../../dist/stores/s3-object-store.js";

const where = JSON.parse(process.argv[2] ?? "{}");
const inner = where.s3 ? createS3ObjectStore(where.s3) : createLocalObjectStore({ root: where.local });
const store = new Proxy(inner, {
  get(target, property) {
    if (property === "delete")
      return async (key) => {
        await sleep(25);
        await target.delete(key);
      };
    const value = target[property];
    return typeof value === "function" ? value.bind(target) : value;
  },
});

process.stdout.write("started\n");
const report = await pruneRepository({
  store,
  keys: null,
  holder: "prune child",
  repackThreshold: 0,
  lockTtlMs: 1000,
  onStep: (step) => process.stdout.write(`${step}\n`),
});
process.stdout.write(`done ${JSON.stringify(report)}\n`);
