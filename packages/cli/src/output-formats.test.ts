// `-o` on every command that prints: table, wide, json, yaml and name on listings; text, json and
// yaml on reports; any other format refused with exit 2 before anything is done.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type SeededCluster, seedCluster } from "@kubedump/testenv";
import { load } from "js-yaml";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { installCrds } from "../../../test/e2e/harness.js";
import { kubedump } from "./test-support.js";

const env = inject("testenv");
const cluster = { KUBECONFIG: env.kubeconfig };
let seeded: SeededCluster;
let repo: string;
const ids: string[] = [];

const run = (args: string[]) => kubedump(args, cluster);

beforeAll(async () => {
  await installCrds(env);
  seeded = await seedCluster(env, "cliout");
  repo = mkdtempSync(join(tmpdir(), "kubedump-cli-output-"));
  for (const ns of [seeded.namespaces.shop, seeded.namespaces.blog]) {
    const backup = await run(["backup", "--repo", repo, "--namespace", ns, "-o", "json"]);
    expect(backup.code, backup.stderr).toBe(0);
    ids.push(JSON.parse(backup.stdout).id);
  }
});

describe("snapshots -o", () => {
  it("table: kubectl's columns, a row per snapshot", async () => {
    const { code, stdout } = await run(["snapshots", "--repo", repo]);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split("\n");
    expect(lines[0]!.split(/\s{3,}/)).toEqual(["ID", "TIME", "SCOPE", "OBJECTS", "SIZE", "WARNINGS"]);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(ids);
  });

  it("wide: the table's columns and when it completed, who made it, its YAML size and parts (- in format 2)", async () => {
    const { stdout } = await run(["snapshots", "--repo", repo, "-o", "wide"]);
    const [header, first] = stdout.split("\n");
    expect(header!.split(/\s{3,}/)).toEqual([
      "ID",
      "TIME",
      "SCOPE",
      "OBJECTS",
      "SIZE",
      "WARNINGS",
      "COMPLETED",
      "SOURCE",
      "YAML",
      "PARTS",
    ]);
    // Format 2 (the default): a snapshot has no parts of its own, shown as "-".
    expect(first).toMatch(new RegExp(`^${ids[0]}\\s.*\\scli\\s+[\\d.]+ KiB\\s+-$`));
  });

  it("name: one id a line; json and yaml: the same items", async () => {
    expect((await run(["snapshots", "--repo", repo, "-o", "name"])).stdout).toBe(`${ids.join("\n")}\n`);
    const json = JSON.parse((await run(["snapshots", "--repo", repo, "-o", "json"])).stdout);
    expect(json.map((s: { id: string }) => s.id)).toEqual(ids);
    expect(json[0]).toMatchObject({ scope: { type: "namespace" }, source: { kind: "cli" }, objects: 10 });
    expect(load((await run(["snapshots", "--repo", repo, "-o", "yaml"])).stdout)).toEqual(json);
  });
});

describe("-o yaml on the reports", () => {
  it.each([
    ["show", () => ["show", ids[0]!, "--repo", repo]],
    ["verify", () => ["verify", ids[0]!, "--repo", repo]],
    ["forget", () => ["forget", "--keep-last", "5", "--dry-run", "--repo", repo]],
    ["prune", () => ["prune", "--dry-run", "--repo", repo]],
    ["version", () => ["version", "--client"]],
  ])("%s prints what -o json prints", async (_, args) => {
    const json = await run([...args(), "-o", "json"]);
    const yaml = await run([...args(), "-o", "yaml"]);
    expect([json.code, yaml.code]).toEqual([0, 0]);
    expect(load(yaml.stdout)).toEqual(JSON.parse(json.stdout));
  });
});

describe("an unknown -o", () => {
  it.each([
    ["snapshots", () => ["snapshots", "--repo", repo], "table, wide, json, yaml, name"],
    ["sessions", () => ["sessions"], "table, wide, json, yaml, name"],
    ["show", () => ["show", ids[0]!, "--repo", repo], "text, json, yaml"],
    ["verify", () => ["verify", ids[0]!, "--repo", repo], "text, json, yaml"],
    ["forget", () => ["forget", "--keep-last", "1", "--repo", repo], "table, json, yaml"],
    ["prune", () => ["prune", "--repo", repo], "text, json, yaml"],
    ["backup", () => ["backup", "--repo", repo, "--namespace", seeded.namespaces.shop], "text, json, yaml"],
    ["describe session", () => ["describe", "session", "x"], "text, json, yaml"],
    ["version", () => ["version"], "text, json, yaml"],
  ])("is refused by %s with exit 2, naming the formats, before any work", async (_, args, formats) => {
    const before = (await run(["snapshots", "--repo", repo, "-o", "name"])).stdout;
    const result = await run([...args(), "-o", "jsonl"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`argument 'jsonl' is invalid. Allowed choices are ${formats}.`);
    expect(result.stdout).toBe("");
    expect((await run(["snapshots", "--repo", repo, "-o", "name"])).stdout).toBe(before);
  });
});
