// A journal writer for journal-kill.test.ts to SIGKILL: it runs the built library (dist), flushes
// one segment of three ConfigMaps, then starts a second flush whose segment put never ends
// (printing "committing" first), so a kill lands after its packs and index file, before its segment.
// Usage: node writer-child.mjs '{"local": root, "scope": JournalScope}'
import { setTimeout as sleep } from "node:timers/promises";
import { JournalWriter } from "../../../dist/journal/index.js";
import { createLocalObjectStore } from "../../../dist/stores/local-object-store.js";

const { local, scope } = JSON.parse(process.argv[2] ?? "{}");
const inner = createLocalObjectStore({ root: local });
let segments = 0;
const store = new Proxy(inner, {
  get(target, property) {
    if (property === "put")
      return async (key, body) => {
        if (key.startsWith("journal/") && segments++ > 0) {
          process.stdout.write("committing\n");
          await sleep(60_000);
        }
        await target.put(key, body);
      };
    const value = target[property];
    return typeof value === "function" ? value.bind(target) : value;
  },
});

const configMap = (i) =>
  Buffer.from(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\n  namespace: shop\n`);
const writer = new JournalWriter({ store, keys: null, scope, lockTtlMs: 1000, flushEveryMs: 60_000 });
for (let i = 0; i < 6; i++) {
  const ref = { group: "", version: "v1", resource: "configmaps", namespace: "shop", name: `cm-${i}`, uid: `u${i}` };
  await writer.append({ time: 1_000_000 + i, kind: "added", ref, resourceVersion: `${i}`, data: configMap(i) });
  if (i === 2) process.stdout.write(`flushed ${(await writer.flush())?.key}\n`);
}
await writer.flush();
process.stdout.write("done\n");
