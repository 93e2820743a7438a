// `kubedump unlock`: removes the locks dead holders left (stale ones by default, every one with
// --remove-all, an unreadable lock object too), and says which live ones it left.
import { existsSync, mkdirSync, mkdtempSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLocalObjectStore } from "@kubedump/repository/local";
import { acquireLock } from "@kubedump/repository/format2";
import { describe, expect, it } from "vitest";
import { kubedump } from "./test-support.js";

/** A lock object under `repo`/locks/, last written `ageMs` ago. */
function plantLock(repo: string, name: string, body: object | string, ageMs: number): string {
  mkdirSync(join(repo, "locks"), { recursive: true });
  const file = join(repo, "locks", name);
  writeFileSync(file, typeof body === "string" ? body : JSON.stringify(body));
  const at = new Date(Date.now() - ageMs);
  utimesSync(file, at, at);
  return file;
}

const lockBody = (kind: string, holder: string, ageMs: number) => {
  const created = new Date(Date.now() - ageMs);
  return { kind, holder, created, expires: new Date(created.getTime() + 300_000), ttlSeconds: 300 };
};

const STALE = "a".repeat(32);
const LIVE = "b".repeat(32);
const BROKEN = "c".repeat(32);

describe("kubedump unlock", () => {
  it("removes a dead migration's stale lock, leaves a live one and names it", async () => {
    const repo = mkdtempSync(join(tmpdir(), "kubedump-unlock-"));
    const hour = 3_600_000;
    const stale = plantLock(repo, STALE, lockBody("exclusive", "migrate-repository on host-1 (pid 7)", hour), hour);
    const live = plantLock(repo, LIVE, lockBody("shared", "backup on host-2 (pid 9)", 1000), 1000);
    const run = await kubedump(["unlock", "--repo", repo], {});
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`removed stale exclusive lock locks/${STALE} held by migrate-repository on host-1`);
    expect(run.stdout).toMatch(
      new RegExp(
        `left live shared lock locks/${LIVE} held by backup on host-2 .*expires .* \\(--remove-all removes it\\)`,
      ),
    );
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(live)).toBe(true);
  });

  it("--remove-all removes live and unreadable locks, after which an exclusive lock is granted", async () => {
    const repo = mkdtempSync(join(tmpdir(), "kubedump-unlock-all-"));
    const store = createLocalObjectStore({ root: repo });
    const held = await acquireLock({ store, kind: "shared", holder: "backup that was SIGKILLed" });
    const refused = acquireLock({ store, kind: "exclusive", holder: "prune" });
    await expect(refused).rejects.toThrow(/backup that was SIGKILLed.*`kubedump unlock --remove-all` removes it now/);
    plantLock(repo, BROKEN, "{ not json", 0);
    const blocked = await kubedump(["unlock", "--repo", repo], {});
    expect(blocked.code).not.toBe(0);
    expect(blocked.stderr).toContain(`locks/${BROKEN}`);

    const run = await kubedump(["unlock", "--repo", repo, "--remove-all", "-o", "json"], {});
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.live).toEqual([]);
    expect(report.removed).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ key: held.key, kind: "shared", holder: expect.stringContaining("SIGKILLed") }),
        expect.objectContaining({ key: `locks/${BROKEN}`, unreadable: expect.any(String) }),
      ]),
    );
    expect(report.removed).toHaveLength(2);
    const prune = await acquireLock({ store, kind: "exclusive", holder: "prune" });
    expect(() => held.check()).not.toThrow(); // the removed holder notices at its next refresh, not before
    await prune.release();
    await held.release();
    const none = await kubedump(["unlock", "--repo", repo], {});
    expect(none.stdout).toBe("no locks\n");
  });
});
