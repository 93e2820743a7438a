// `kubedump diff` (snapshot against snapshot, snapshot against the cluster) and `kubedump history`
// against the test API server, with a local repository.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createKubeClient } from "@kubedump/kube";
import { type SeededCluster, seedCluster } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { kubedump } from "./test-support.js";

const env = inject("testenv");
const client = createKubeClient({ kubeconfig: env.kubeconfig });
let seeded: SeededCluster;
let repo: string;
let shop: string;

beforeAll(async () => {
  seeded = await seedCluster(env, "cdf");
  shop = seeded.namespaces.shop;
  repo = mkdtempSync(join(tmpdir(), "kubedump-diff-cli-"));
});
afterAll(() => client.close());

const run = (args: string[]) => kubedump([...args, "--repo", repo], { KUBECONFIG: env.kubeconfig });

async function backup(): Promise<string> {
  const result = await run(["backup", "--namespace", shop, "-o", "json"]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout).id as string;
}

const configMap = (name: string) => `/api/v1/namespaces/${shop}/configmaps/${name}`;
const path = (resource: string, name: string) => `namespaces/${shop}/${resource}/${name}.yaml`;

interface JsonDiff {
  counts: Record<string, number>;
  objects: { change: string; path: string; diff?: string }[];
}

describe("kubedump diff and history", () => {
  const ids: string[] = [];

  it("finds no differences between a snapshot and the cluster right after the backup (exit 0)", async () => {
    ids.push(await backup());
    const result = await run(["diff", ids[0] as string, "--live"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe("no differences (10 objects compared)\n");
  });

  it("shows what changed in the cluster since: an edit, a deletion and a creation (exit 1)", async () => {
    await client.patch(configMap("web-config"), { data: { color: "red" } });
    await client.delete(`/api/v1/namespaces/${shop}/serviceaccounts/web`);
    await client.create(`/api/v1/namespaces/${shop}/configmaps`, { metadata: { name: "new" }, data: { a: "1" } });
    const result = await run(["diff", "latest", "--live"]);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe(
      `added ${path("configmaps", "new")}\n` +
        `--- ${ids[0]}/${path("configmaps", "web-config")}\n` +
        `+++ live/${path("configmaps", "web-config")}\n` +
        "@@ -9,3 +9,4 @@\n data:\n   app.properties: |\n     color=blue\n+  color: red\n" +
        `removed ${path("serviceaccounts", "web")}\n` +
        "3 objects differ: 1 added, 1 removed, 1 changed (8 unchanged)\n",
    );
  });

  it("diffs two snapshots, named by id or by latest~N, in text, json and --stat", async () => {
    ids.push(await backup());
    const text = await run(["diff", ids[0] as string, ids[1] as string]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(`+++ ${ids[1]}/${path("configmaps", "web-config")}\n`);
    const json = await run(["diff", "latest~1", "latest", "-o", "json"]);
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.stdout) as JsonDiff & { before: string; after: string };
    expect([parsed.before, parsed.after]).toEqual(ids);
    expect(parsed.counts).toEqual({ added: 1, removed: 1, changed: 1, unchanged: 8 });
    expect(parsed.objects.map((o) => [o.change, o.path])).toEqual([
      ["added", path("configmaps", "new")],
      ["changed", path("configmaps", "web-config")],
      ["removed", path("serviceaccounts", "web")],
    ]);
    expect(parsed.objects[1]?.diff).toMatch(/\n\+ {2}color: red\n$/);
    const stat = await run(["diff", ids[0] as string, ids[1] as string, "--stat"]);
    expect(stat.code).toBe(1);
    expect(stat.stdout).toMatch(
      /^RESOURCE\s+ADDED\s+REMOVED\s+CHANGED\nconfigmaps\s+1\s+0\s+1\nserviceaccounts\s+0\s+1\s+0\n/,
    );
    expect(stat.stdout).not.toContain("@@");
    const same = await run(["diff", ids[1] as string, "latest"]);
    expect([same.code, same.stdout]).toEqual([0, "no differences (10 objects compared)\n"]);
  });

  it.each([
    [["--include-resources", "configmaps"], ["added", "changed"], 0],
    // 10 objects in the first snapshot: less web-config (filtered out) and the ServiceAccount (removed)
    [["--exclude-resources", "configmaps"], ["removed"], 8],
    // the custom group's kind ConfigMap is not the core's
    [["--ignore-group-kinds", "ServiceAccount,ConfigMap"], [], 8],
    [["--exclude-namespaces", "cdf-*"], [], 0],
  ])("keeps to the filters of backup: %j", async (flags, changes, unchanged) => {
    const result = await run(["diff", ids[0] as string, ids[1] as string, "-o", "json", ...flags]);
    const parsed = JSON.parse(result.stdout) as JsonDiff;
    expect(parsed.objects.map((o) => o.change)).toEqual(changes);
    expect(parsed.counts.unchanged).toBe(unchanged);
    expect(result.code).toBe(changes.length ? 1 : 0);
  });

  it("refuses a second snapshot with --live, an unknown snapshot, and a bad filter", async () => {
    expect((await run(["diff", "latest", "latest", "--live"])).code).toBe(2);
    expect((await run(["diff", "latest"])).stderr).toContain("give a second snapshot, or --live");
    const missing = await run(["diff", "latest", "20200101T000000Z-00000000"]);
    expect([missing.code, missing.stderr]).toEqual([4, 'kubedump: snapshot "20200101T000000Z-00000000" not found\n']);
    expect((await run(["diff", "latest~9", "latest"])).code).toBe(4);
    const bad = await run(["diff", "latest~1", "latest", "--include-cluster-resources", "maybe"]);
    expect(bad.code).toBe(2);
  });

  it("tells the history of an object changed in 2 of 4 snapshots, with times and diffs", async () => {
    ids.push(await backup()); // unchanged
    await client.patch(configMap("web-config"), { data: { color: "green" } });
    ids.push(await backup());
    const ref = `configmaps/${shop}/web-config`;
    const json = await run(["history", ref, "-o", "json"]);
    expect(json.code, json.stderr).toBe(0);
    const history = JSON.parse(json.stdout) as {
      snapshots: string[];
      entries: { snapshot: string; time: string; change: string; previous?: string; diff?: string }[];
    };
    expect(history.snapshots).toEqual(ids);
    expect(history.entries.map((e) => [e.snapshot, e.change, e.previous])).toEqual([
      [ids[0], "added", undefined],
      [ids[1], "changed", ids[0]],
      [ids[3], "changed", ids[2]],
    ]);
    expect(history.entries.every((e) => !Number.isNaN(Date.parse(e.time)))).toBe(true);
    expect(history.entries[0]?.diff).toMatch(/^--- \/dev\/null\n/);
    expect(history.entries[2]?.diff).toMatch(/\n- {2}color: red\n\+ {2}color: green\n/);
    const text = await run(["history", ref]);
    expect(text.stdout).toMatch(new RegExp(`^${ids[1]}  \\S+  changed \\(since ${ids[0]}\\)\\n--- ${ids[0]}/`, "m"));
    expect(text.stdout).toMatch(/: 3 changes in 4 snapshots\n$/);
    const removed = await run(["history", `serviceaccounts/${shop}/web`, "--stat"]);
    expect(removed.stdout).toMatch(new RegExp(`^${ids[0]}  \\S+  added\\n${ids[1]}  \\S+  removed\\n`));
    const namespace = await run(["history", `namespaces/${shop}`, "--stat"]);
    expect(namespace.stdout).toMatch(/: 1 change in 4 snapshots\n$/);
  });

  it("says when no snapshot holds the object (exit 4), and names the forms it takes", async () => {
    const none = await run(["history", `configmaps/${shop}/nothing`]);
    expect([none.code, none.stderr]).toEqual([
      4,
      `kubedump: configmaps/${shop}/nothing: in none of the 4 snapshots whose scope could hold it (${path("configmaps", "nothing")})\n`,
    ]);
    const bad = await run(["history", "web"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("<resource[.group]>/<namespace>/<name>");
  });
});
