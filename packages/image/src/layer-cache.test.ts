import { existsSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cachedLayer, pruneLayers } from "./layer-cache.js";

const cacheDir = () => mkdtempSync(join(tmpdir(), "kubedump-layer-cache-test-"));

describe("cachedLayer", () => {
  it("builds a layer once per set of inputs and returns the cached one after", async () => {
    const cache = cacheDir();
    let populated = 0;
    const recipe = (content: string) => ({
      name: "app-amd64",
      inputs: [content],
      createdBy: "test",
      populate: async (dir: string) => {
        populated++;
        writeFileSync(join(dir, "file"), content);
        return `extra ${content}`;
      },
    });
    const first = await cachedLayer(cache, recipe("one"));
    const again = await cachedLayer(cache, recipe("one"));
    expect([first.cached, again.cached, populated]).toEqual([false, true, 1]);
    expect(again).toMatchObject({ digest: first.digest, diffId: first.diffId, extra: "extra one" });
    const other = await cachedLayer(cache, recipe("two"));
    expect([other.cached, populated]).toEqual([false, 2]);
    expect(other.digest).not.toBe(first.digest);
    expect(readdirSync(join(cache, "work"))).toEqual([]);
  });

  it("keeps the most recently used layers of each name and removes the rest and orphaned blobs", async () => {
    const cache = cacheDir();
    const made = [];
    for (const [i, name] of ["app-amd64", "app-amd64", "app-amd64", "deps-amd64"].entries()) {
      const l = await cachedLayer(cache, {
        name,
        inputs: [String(i)],
        createdBy: "test",
        populate: async (dir) => {
          writeFileSync(join(dir, "f"), String(i));
          return undefined;
        },
      });
      utimesSync(l.path.replace(/\.tar\.gz$/, ".json"), i + 1, i + 1);
      made.push(l.path);
    }
    const orphan = join(cache, "layers", `app-amd64-${"0".repeat(64)}.tar.gz`);
    writeFileSync(orphan, "");
    pruneLayers(cache, 2);
    expect(made.map((p) => existsSync(p))).toEqual([false, true, true, true]);
    expect(existsSync(orphan)).toBe(false);
  });
});
