// A journal writer SIGKILLed between its packs and its segment (test-support/writer-child.mjs,
// running the built library): no segment names the lost blobs, the flushed segment reads back,
// and prune removes the dead flush's packs.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, inject, it } from "vitest";
import { blobId } from "../format2/keys.js";
import { pruneRepository } from "../format2/prune.js";
import { storedDataBlobs, testStores } from "../format2/test-support.js";
import { collect } from "../test-support.js";
import { JournalReader } from "./journal-reader.js";
import { SCOPE } from "./test-support.js";

const env = inject("testenv");
const CHILD = fileURLToPath(new URL("./test-support/writer-child.mjs", import.meta.url));
const { localStore, localRoot } = testStores(env, "kubedump-journal", "kill");
const configMap = (i: number) =>
  Buffer.from(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\n  namespace: shop\n`);

/** Runs the child and SIGKILLs it once it says "committing"; resolves with its lines and signal. */
async function killedWriter(root: string): Promise<{ lines: string[]; signal: string | null }> {
  const child = spawn(process.execPath, [CHILD, JSON.stringify({ local: root, scope: SCOPE })], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<string | null>((resolve) => child.on("exit", (_, signal) => resolve(signal)));
  const lines: string[] = [];
  for await (const line of createInterface({ input: child.stdout })) {
    lines.push(line);
    if (line === "committing") child.kill("SIGKILL");
  }
  return { lines, signal: await exited };
}

describe("a journal writer SIGKILLed before its segment is committed", () => {
  it("leaves only the flushed segment; prune removes the dead flush's blobs", async () => {
    const store = localStore("killed");
    const { lines, signal } = await killedWriter(localRoot("killed"));
    expect(signal).toBe("SIGKILL");
    expect(lines).toContain("committing");
    expect(lines).not.toContain("done");

    const segments = (await collect(store.list("journal/"))).map((e) => e.key);
    expect(segments).toEqual([lines[0]?.replace("flushed ", "")]);
    expect(await storedDataBlobs(store, null)).toEqual(
      new Set([0, 1, 2, 3, 4, 5].map((i) => blobId(null, configMap(i)))),
    );
    const reader = new JournalReader({ store, keys: null, scope: SCOPE });
    const { changes } = await reader.slice();
    expect(changes.map((c) => c.ref.name)).toEqual(["cm-0", "cm-1", "cm-2"]);
    for (const [i, change] of changes.entries()) expect(await reader.readBlob(change.blob ?? "")).toEqual(configMap(i));

    await sleep(1500); // the dead writer's lock (ttl 1 s) expires
    const report = await pruneRepository({ store, keys: null, repackThreshold: 0 });
    expect(report.journal).toEqual({ segmentsKept: 1, segmentsDeleted: 0, segmentsRetained: 0 });
    expect(await storedDataBlobs(store, null)).toEqual(new Set([0, 1, 2].map((i) => blobId(null, configMap(i)))));
    expect((await reader.stateAt(2_000_000)).objects.size).toBe(3);
  });
});
