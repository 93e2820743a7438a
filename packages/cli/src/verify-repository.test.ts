// `kubedump verify` without an id: the whole repository, format 2 (packs, --read-data-subset) and
// format 1 (a share of the snapshots read in full), on backups of a seeded namespace.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { seedCluster } from "@kubedump/testenv";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { kubedump } from "./test-support.js";

const env = inject("testenv");
let namespace: string;
const run = (args: string[]) => kubedump(args, { KUBECONFIG: env.kubeconfig });

/** A repository of two backups of the seeded namespace, in `format`. */
async function twoBackups(format: "1" | "2"): Promise<string> {
  const repo = join(mkdtempSync(join(tmpdir(), "kubedump-verify-repo-")), "repo");
  for (let i = 0; i < 2; i++) {
    const made = await run(["backup", "--repo", repo, "--namespace", namespace, "--repository-format", format]);
    expect(made.code, made.stderr).toBe(0);
  }
  return repo;
}

const packsOf = (repo: string) =>
  readdirSync(join(repo, "data"), { recursive: true, encoding: "utf8" })
    .filter((f) => /^[0-9a-f]{2}\/[0-9a-f]{64}$/.test(f))
    .map((f) => `data/${f}`);

beforeAll(async () => {
  namespace = (await seedCluster(env, "cliverify")).namespaces.shop;
});

describe("kubedump verify without an id", () => {
  it("format 2: reads every pack by default, the share asked, and names a damaged pack (exit 5)", async () => {
    const repo = await twoBackups("2");
    const packs = packsOf(repo);
    const all = await run(["verify", "--repo", repo]);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toBe(
      `repository is sound: 2 snapshots checked (${packs.length} of ${packs.length} packs read in full)\n`,
    );
    const none = await run(["verify", "--repo", repo, "--read-data-subset", "0%", "-o", "json"]);
    expect(JSON.parse(none.stdout)).toMatchObject({ ok: true, format: 2, packs: { read: 0, total: packs.length } });

    const [pack] = packs;
    const bytes = readFileSync(join(repo, pack!));
    writeFileSync(join(repo, pack!), bytes.subarray(0, bytes.length - 7));
    const cut = await run(["verify", "--repo", repo, "--read-data-subset", "0%"]);
    expect(cut.code).toBe(5);
    expect(cut.stderr).toMatch(new RegExp(`${pack}.*: pack has ${bytes.length - 7} bytes`));
    writeFileSync(join(repo, pack!), Buffer.alloc(bytes.length, 0x5a));
    const found = await run(["verify", "--repo", repo, "--read-data-subset", "100%"]);
    expect(found.code).toBe(5);
    expect(found.stderr).toContain(`${pack}`);
    expect(found.stderr).toContain("the repository failed verification");
  });

  it("format 1: reads that share of the snapshots in full and checks the others by size", async () => {
    const repo = await twoBackups("1");
    const half = await run(["verify", "--repo", repo, "--read-data-subset", "50%", "-o", "json"]);
    expect(half.code, half.stderr).toBe(0);
    expect(JSON.parse(half.stdout)).toMatchObject({ ok: true, format: 1, snapshots: 2, snapshotsRead: 1 });
  });

  it("refuses a subset that is not a percentage, and one given with an id (exit 2)", async () => {
    const bad = await run([
      "verify",
      "--repo",
      mkdtempSync(join(tmpdir(), "kubedump-v-")),
      "--read-data-subset",
      "ten",
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--read-data-subset "ten"');
    const withId = await run(["verify", "20261201T010000Z-0f0f0f0f", "--read-data-subset", "10%"]);
    expect(withId.code).toBe(2);
    expect(withId.stderr).toContain("leave out <id>");
  });
});
