import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  emptyScratchDir,
  explainScratchFull,
  INDEX_CACHE_IDLE_MS,
  indexCacheDirOf,
  ScratchFullError,
  scratchDirOf,
  useIndexCache,
} from "./scratch.js";

const root = mkdtempSync(join(tmpdir(), "kubedump-scratch-test-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const noSpace = () => Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });

describe("a replica's scratch directory", () => {
  it("is named for the replica, as a single path segment", () => {
    expect(scratchDirOf("/scratch", "kubedump-dump-worker-7d9f-x2")).toBe(
      "/scratch/dump-worker-kubedump-dump-worker-7d9f-x2",
    );
    expect(scratchDirOf("/scratch", "../host/1")).toBe("/scratch/dump-worker-.._host_1");
  });

  it("is emptied of what a killed process of the replica left, and leaves other replicas' alone", async () => {
    const mine = scratchDirOf(root, "a");
    const other = scratchDirOf(root, "b");
    mkdirSync(join(mine, "kubedump-20261126T020000Z-abcd1234-x", "parts"), { recursive: true });
    writeFileSync(join(mine, "kubedump-20261126T020000Z-abcd1234-x", "parts", "0000.tar.gz"), "half");
    mkdirSync(join(other, "kubedump-20261126T020000Z-ffff0000-y"), { recursive: true });
    await emptyScratchDir(mine);
    expect(readdirSync(mine)).toEqual([]);
    expect(readdirSync(other)).toEqual(["kubedump-20261126T020000Z-ffff0000-y"]);
    await emptyScratchDir(join(root, "new"));
    expect(existsSync(join(root, "new"))).toBe(true);
  });
});

describe("index caches", () => {
  it("are one per repository identity, and those unused for a day go when another is used", async () => {
    const scratch = join(root, "caches");
    const [a, b, c] = [
      ["ns", "a", {}],
      ["ns", "b", {}],
      ["other", "a", {}],
    ].map((id) => indexCacheDirOf(scratch, id));
    expect(new Set([a, b, c]).size).toBe(3);
    expect(indexCacheDirOf(scratch, ["ns", "a", {}])).toBe(a);
    const now = new Date();
    await useIndexCache(a as string, new Date(now.getTime() - INDEX_CACHE_IDLE_MS - 60_000));
    await useIndexCache(b as string, new Date(now.getTime() - INDEX_CACHE_IDLE_MS + 60_000));
    writeFileSync(join(a as string, "f".repeat(64)), "cached");
    utimesSync(a as string, new Date(0), new Date(0));
    await useIndexCache(c as string, now);
    expect(readdirSync(join(scratch, "index-cache")).sort()).toEqual([b, c].map((d) => d?.split("/").pop()).sort());
  });
});

describe("explainScratchFull", () => {
  it.each([
    ["ENOSPC itself", noSpace()],
    ["ENOSPC as the cause of a wrapping error", new Error("writing part 0 failed", { cause: noSpace() })],
  ])("names the directory for %s", (_, err) => {
    const explained = explainScratchFull(err, "/scratch/dump-worker-a");
    expect(explained).toBeInstanceOf(ScratchFullError);
    expect((explained as Error).message).toMatch(/^the scratch directory \/scratch\/dump-worker-a is full/);
    expect((explained as Error).cause).toBe(err);
  });

  it("passes any other error through as it is", () => {
    const err = Object.assign(new Error("EACCES: permission denied"), { code: "EACCES" });
    expect(explainScratchFull(err, "/scratch")).toBe(err);
    expect(explainScratchFull("not an error", "/scratch")).toBe("not an error");
  });
});
