import { execFileSync } from "node:child_process";
import { link, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UnsafePathError } from "../errors.js";
import { WRITES_AT_ONCE, writeTree } from "./download.js";
import type { SnapshotObject } from "./types.js";

let tmp: string;

beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kubedump-download-test-"));
});

afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function object(path: string, text = `kind: ConfigMap # ${path}\n`): SnapshotObject {
  return { path, data: Buffer.from(text), part: 0 };
}

/** `objects`, and how many of them the writer has taken so far. */
function source(objects: SnapshotObject[]): { iterable: AsyncIterable<SnapshotObject>; taken: () => number } {
  let taken = 0;
  async function* iterate() {
    for (const o of objects) {
      taken += 1;
      yield o;
    }
  }
  return { iterable: iterate(), taken: () => taken };
}

describe("writeTree", () => {
  it("writes many objects at once into shared and nested directories, each file whole", async () => {
    const objects = Array.from({ length: WRITES_AT_ONCE * 5 + 3 }, (_, i) =>
      object(
        `namespaces/ns-${i % 3}/configmaps/cm-${i}.yaml`,
        `kind: ConfigMap\nname: cm-${i}\n${"x".repeat(i * 97)}\n`,
      ),
    );
    objects.push(object("cluster/namespaces/ns-0.yaml"));
    const written: number[] = [];

    const result = await writeTree(source(objects).iterable, join(tmp, "out"), (bytes) => written.push(bytes));

    for (const o of objects) expect(await readFile(join(tmp, "out", o.path))).toEqual(o.data);
    const bytes = objects.reduce((sum, o) => sum + o.data.length, 0);
    expect(result).toEqual({ objects: objects.length, bytes });
    expect(written.reduce((a, b) => a + b, 0)).toBe(bytes);
    expect((await readdir(join(tmp, "out", "namespaces"))).sort()).toEqual(["ns-0", "ns-1", "ns-2"]);
  });

  it("writes an empty object as an empty file, a large one whole, and replaces a file already there", async () => {
    const out = join(tmp, "out");
    const dir = join(out, "namespaces/a/configmaps");
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "old.yaml"), "x".repeat(10_000));
    const large = Buffer.alloc(8 * 1024 * 1024, "y"); // more than one write may take at once on some systems
    const objects = [
      object("namespaces/a/configmaps/empty.yaml", ""),
      { path: "namespaces/a/configmaps/large.yaml", data: large, part: 0 },
      object("namespaces/a/configmaps/old.yaml", "kind: ConfigMap\n"),
    ];
    expect(await writeTree(source(objects).iterable, out)).toEqual({ objects: 3, bytes: large.length + 16 });
    for (const o of objects) expect((await readFile(join(out, o.path))).equals(o.data)).toBe(true);
  });

  it("stops taking objects at a symlinked directory, writes nothing through it, and ends its writes before failing", async () => {
    const [to, outside] = [join(tmp, "to"), join(tmp, "outside")];
    await mkdir(join(to, "namespaces"), { recursive: true });
    await mkdir(outside);
    await symlink(outside, join(to, "namespaces", "prod"));
    const before = Array.from({ length: 5 }, (_, i) => object(`namespaces/dev/configmaps/a-${i}.yaml`));
    const after = Array.from({ length: WRITES_AT_ONCE * 4 }, (_, i) => object(`namespaces/dev/configmaps/b-${i}.yaml`));
    const objects = [...before, object("namespaces/prod/secrets/s.yaml"), ...after];
    const { iterable, taken } = source(objects);

    const error = await writeTree(iterable, to).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(UnsafePathError);
    expect((error as Error).message).toBe(
      'unsafe path "namespaces/prod": not a directory in the target directory (a symlink or a file)',
    );
    expect(await readdir(outside)).toEqual([]);
    expect(taken()).toBeLessThan(objects.length); // no more read than one window past the failure
    const files = await readdir(join(to, "namespaces", "dev", "configmaps"));
    const settled = [...files]; // the writes begun before the failure are over: nothing is added later
    await new Promise((r) => setTimeout(r, 50));
    expect(await readdir(join(to, "namespaces", "dev", "configmaps"))).toEqual(settled);
    for (const o of before) expect(files).toContain(o.path.split("/").pop());
  });

  it("refuses a file path that is a symlink in the target directory", async () => {
    const to = join(tmp, "to");
    await mkdir(join(to, "cluster", "namespaces"), { recursive: true });
    await symlink(join(tmp, "elsewhere.yaml"), join(to, "cluster", "namespaces", "a.yaml"));

    const error = await writeTree(source([object("cluster/namespaces/a.yaml")]).iterable, to).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UnsafePathError);
    expect((error as Error).message).toContain("cluster/namespaces/a.yaml");
    expect(await readdir(tmp)).not.toContain("elsewhere.yaml");
  });

  it("refuses a file that is a hard link in the target directory, leaving the file it names as it was", async () => {
    const to = join(tmp, "to");
    await mkdir(join(to, "cluster", "namespaces"), { recursive: true });
    const outside = join(tmp, "outside.txt");
    await writeFile(outside, "not kubedump's");
    await link(outside, join(to, "cluster", "namespaces", "a.yaml"));

    const error = await writeTree(source([object("cluster/namespaces/a.yaml")]).iterable, to).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UnsafePathError);
    expect((error as Error).message).toBe(
      'unsafe path "cluster/namespaces/a.yaml": a hard link in the target directory (the file has other names)',
    );
    expect(await readFile(outside, "utf8")).toBe("not kubedump's");
  });

  it("refuses a file path that is a FIFO in the target directory instead of waiting on it", async () => {
    const to = join(tmp, "to");
    await mkdir(join(to, "cluster", "namespaces"), { recursive: true });
    execFileSync("mkfifo", [join(to, "cluster", "namespaces", "a.yaml")]);

    const error = await writeTree(source([object("cluster/namespaces/a.yaml")]).iterable, to).catch((e: unknown) => e);

    expect((error as NodeJS.ErrnoException).code).toBe("ENXIO"); // no reader: the open fails at once
  });

  it("refuses a path that escapes the target directory before writing it", async () => {
    const to = join(tmp, "out", "inner");
    const objects = [object("cluster/namespaces/a.yaml"), object("../../escaped.yaml")];

    await expect(writeTree(source(objects).iterable, to)).rejects.toBeInstanceOf(UnsafePathError);
    expect(await readdir(tmp)).toEqual(["out"]);
    expect(await readdir(join(tmp, "out"))).toEqual(["inner"]);
  });
});
