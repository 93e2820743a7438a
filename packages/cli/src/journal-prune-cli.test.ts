// `kubedump prune` and `forget --prune` report the journal segments kept and deleted: a segment
// recorded between two snapshots of a namespace goes when the older snapshot is forgotten.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JournalWriter, openJournalKeys } from "@kubedump/repository/journal";
import { createLocalObjectStore } from "@kubedump/repository/local";
import { kubeHttp } from "@kubedump/testenv";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { kubedump } from "./test-support.js";

const env = inject("testenv");
const ns = `jpc-${randomBytes(3).toString("hex")}`;
const repo = join(mkdtempSync(join(tmpdir(), "kubedump-journal-prune-")), "repo");
const cli = (args: string[]) => kubedump([...args, "--repo", repo], { KUBECONFIG: env.kubeconfig });
const segments = () =>
  readdirSync(join(repo, "journal"), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());

async function backup(): Promise<{ scope: never; params: Record<string, string> }> {
  const run = await cli(["backup", "--namespace", ns, "-o", "json"]);
  if (run.code !== 0) throw new Error(`backup: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

/** One segment holding one change of ConfigMap `settings`, recorded now. */
async function journalOne(manifest: { scope: never; params: Record<string, string> }, v: string): Promise<void> {
  const store = createLocalObjectStore({ root: repo });
  const keys = await openJournalKeys({ store });
  const writer = new JournalWriter({ store, keys, scope: { scope: manifest.scope, params: manifest.params } });
  const ref = { group: "", version: "v1", resource: "configmaps", namespace: ns, name: "settings", uid: "u1" };
  const data = Buffer.from(
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: ${ns}\ndata:\n  v: "${v}"\n`,
  );
  await writer.append({ time: Date.now(), kind: "modified", ref, resourceVersion: v, data });
  await writer.close();
  await new Promise((resolve) => setTimeout(resolve, 20));
}

beforeAll(async () => {
  await kubeHttp(env, "/api/v1/namespaces", { body: { metadata: { name: ns } } });
  const body = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings" }, data: { v: "0" } };
  await kubeHttp(env, `/api/v1/namespaces/${ns}/configmaps`, { body });
  await journalOne(await backup(), "1");
  await journalOne(await backup(), "2");
}, 120_000);

describe("journal segments in prune's and forget's reports", () => {
  it("prune keeps the segments after the oldest snapshot and says so, in text and in JSON", async () => {
    const text = await cli(["prune"]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain("journal: deleted 0 segments older than the oldest snapshot of their scope; kept 2");
    const json = await cli(["prune", "--dry-run", "-o", "json"]);
    expect(JSON.parse(json.stdout).journal).toEqual({ segmentsKept: 2, segmentsDeleted: 0, segmentsRetained: 0 });
  });

  it("forget --prune of the older snapshot deletes the segment before the one kept", async () => {
    const run = await cli(["forget", "--keep-last", "1"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("journal: deleted 1 segments older than the oldest snapshot of their scope; kept 1");
    expect(segments()).toHaveLength(1);
    const json = await cli(["prune", "-o", "json"]);
    expect(JSON.parse(json.stdout).journal).toEqual({ segmentsKept: 1, segmentsDeleted: 0, segmentsRetained: 0 });
  });
});
