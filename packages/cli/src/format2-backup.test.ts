// `kubedump backup --repository-format 2` of a seeded namespace: the download equals a format-1
// backup's of the same namespace; a second backup stores next to nothing; an existing
// repository's format wins over the flag; --gzip-level sets the frames' level; prune keeps what the snapshots use.
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { filesBelow, type SeededCluster, seedCluster } from "@kubedump/testenv";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { kubedump } from "./test-support.js";

const env = inject("testenv");
let seeded: SeededCluster;

beforeAll(async () => {
  seeded = await seedCluster(env, "f2b");
});

const run = (args: string[], password?: string) =>
  kubedump(args, { KUBECONFIG: env.kubeconfig, ...(password ? { ENCRYPTION_PASSWORD: password } : {}) });

async function backup(repo: string, ...extra: string[]): Promise<{ id: string; storedBytes: number; stderr: string }> {
  const result = await run(["backup", "--repo", repo, "--namespace", seeded.namespaces.shop, "-o", "json", ...extra]);
  expect(result.code, result.stderr).toBe(0);
  const manifest = JSON.parse(result.stdout) as { id: string; storedBytes: number };
  return { ...manifest, stderr: result.stderr };
}

async function download(repo: string, id: string, password?: string): Promise<Map<string, string>> {
  const to = mkdtempSync(join(tmpdir(), "kubedump-f2b-dl-"));
  const result = await run(["download", id, "--repo", repo, "--to", to], password);
  expect(result.code, result.stderr).toBe(0);
  return filesBelow(to);
}

const newRepo = () => join(mkdtempSync(join(tmpdir(), "kubedump-f2b-")), "repo");
const formatOf = (repo: string) => JSON.parse(readFileSync(join(repo, "repository.json"), "utf8")).formatVersion;

describe("kubedump backup into format 2, the default for a new repository", () => {
  const [v1, v2] = [newRepo(), newRepo()];
  const ids: string[] = [];
  let formatOne = new Map<string, string>();

  it("writes a format-2 repository whose download equals a format-1 backup's", async () => {
    const one = await backup(v1, "--repository-format", "1");
    const two = await backup(v2);
    ids.push(two.id);
    expect([formatOf(v1), formatOf(v2)]).toEqual([1, 2]);
    expect(readdirSync(v2)).toEqual(expect.arrayContaining(["data", "index", "repository.json", "snapshots"]));
    const [fromOne, fromTwo] = [await download(v1, one.id), await download(v2, two.id)];
    expect(fromTwo.size).toBeGreaterThan(5);
    expect(fromTwo).toEqual(fromOne);
    formatOne = fromOne;
  });

  it("writes an encrypted format-2 repository with ENCRYPTION_PASSWORD, and refuses a wrong one", async () => {
    const repo = newRepo();
    const args = ["backup", "--repo", repo, "--namespace", seeded.namespaces.shop, "--repository-format", "2"];
    const made = await run([...args, "-o", "json"], "correct horse");
    expect(made.code, made.stderr).toBe(0);
    const config = JSON.parse(readFileSync(join(repo, "repository.json"), "utf8"));
    expect(config).toMatchObject({ formatVersion: 2, encryption: { cipher: expect.any(String) } });
    const id = JSON.parse(made.stdout).id as string;
    expect(await download(repo, id, "correct horse")).toEqual(formatOne);
    const wrong = await run(["snapshots", "--repo", repo], "battery staple");
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/password/i);
  });

  it("stores next to nothing for an unchanged namespace, and verifies", async () => {
    const first = await run(["show", ids[0] as string, "--repo", v2, "-o", "json"]);
    const again = await backup(v2);
    ids.push(again.id);
    expect(again.storedBytes).toBeLessThan(JSON.parse(first.stdout).storedBytes);
    expect(again.storedBytes).toBe(0);
    const verify = await run(["verify", again.id, "--repo", v2]);
    expect(verify.code, verify.stderr).toBe(0);
  });

  it("takes unchanged objects from its --cache-dir the second time, and none with --no-cache", async () => {
    const [repo, cache] = [newRepo(), mkdtempSync(join(tmpdir(), "kubedump-f2b-cache-"))];
    const args = ["backup", "--repo", repo, "--namespace", seeded.namespaces.shop];
    const first = await run([...args, "--cache-dir", cache]);
    const second = await run([...args, "--cache-dir", cache]);
    const uncached = await run([...args, "--no-cache"]);

    for (const r of [first, second, uncached]) expect(r.code, r.stderr).toBe(0);
    expect(first.stdout).not.toContain("unchanged");
    expect(second.stdout).toMatch(/committed: (\d+) objects \(\1 unchanged since the last backup\)/);
    expect(uncached.stdout).not.toContain("unchanged");
    expect(readdirSync(join(cache, "repositories"))).toHaveLength(1);
  });

  it("compresses its frames at --gzip-level: level 0 stores more, and both download the same", async () => {
    const [stored, packed] = [newRepo(), newRepo()];
    const none = await backup(stored, "--gzip-level", "0");
    const most = await backup(packed, "--gzip-level", "9");
    expect(none.storedBytes).toBeGreaterThan(most.storedBytes * 1.5);
    expect(await download(stored, none.id)).toEqual(formatOne);
    expect(await download(packed, most.id)).toEqual(formatOne);
  });

  it("keeps an existing repository's format and says so", async () => {
    const kept = await backup(v1, "--repository-format", "2");
    expect(kept.stderr).toContain(
      "note: the repository is format 1; --repository-format 2 applies to a new repository only",
    );
    expect(formatOf(v1)).toBe(1);
  });

  it("prunes nothing the kept snapshot uses: it downloads after forget of the other and prune", async () => {
    const forget = await run(["forget", "--keep-last", "1", "--no-prune", "--repo", v2]);
    expect(forget.code, forget.stderr).toBe(0);
    const prune = await run(["prune", "--repo", v2, "-o", "json"]);
    expect(prune.code, prune.stderr).toBe(0);
    expect(JSON.parse(prune.stdout)).toMatchObject({ snapshots: 1 });
    expect((await download(v2, ids[1] as string)).size).toBeGreaterThan(5);
  });
});
