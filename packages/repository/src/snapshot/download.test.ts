import { execFileSync } from "node:child_process";
import { link, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UnsafePathError } from "../errors.js";
import { BATCH_FILES, BATCHES_AHEAD, writeTree } from "./download.js";
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
    // more files than a batch holds, and more bytes than a batch holds (BATCH_BYTES)
    const objects = Array.from({ length: BATCH_FILES * 2 + 3 }, (_, i) =>
      object(
        `namespaces/ns-${i % 3}/configmaps/cm-${i}.yaml`,
        `kind: ConfigMap\nname: cm-${i}\n${"x".repeat((i % 50) * 197)}\n`,
      ),
    );
    objects.push(object("cluster/namespaces/ns-0.yaml"));
    const written: number[] = [];

    const result = await writeTree(source(objects).iterable, join(tmp, "out"), (bytes) => written.push(bytes));

    for (const o of objects) expect((await readFile(join(tmp, "out", o.path))).equals(o.data)).toBe(true);
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
    const after = Array.from({ length: BATCH_FILES * (BATCHES_AHEAD + 2) }, (_, i) =>
      object(`namespaces/dev/configmaps/b-${i}.yaml`),
    );
    const objects = [...before, object("namespaces/prod/secrets/s.yaml"), ...after];
    const { iterable, taken } = source(objects);

    const error = await writeTree(iterable, to).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(UnsafePathError);
    expect((error as Error).message).toBe(
      'unsafe path "namespaces/prod": not a directory in the target directory (a symlink or a file)',
    );
    expect(await readdir(outside)).toEqual([]);
    expect(taken()).toBeLessThan(objects.length); // no more read than the batches sent past the failure
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

  it("writes the first files while the source waits, not once a batch is full", async () => {
    const out = join(tmp, "out");
    let release: () => void = () => {};
    const held = new Promise<void>((r) => (release = r));
    const first = [object("cluster/namespaces/a.yaml"), object("cluster/namespaces/b.yaml")];
    const written: number[] = [];
    async function* slow() {
      yield* first;
      await held;
      yield object("cluster/namespaces/c.yaml");
    }

    const writing = writeTree(slow(), out, (bytes) => written.push(bytes));
    await expect.poll(() => written.length, { timeout: 5000 }).toBe(2);
    expect((await readdir(join(out, "cluster/namespaces"))).sort()).toEqual(["a.yaml", "b.yaml"]);
    release();

    expect(await writing).toEqual({ objects: 3, bytes: 3 * first[0]!.data.length });
    expect(written).toHaveLength(3);
  });

  it("lets the process end once a download of one batch is written, the other writing thread unused", () => {
    const out = join(tmp, "out");
    const dist = pathToFileURL(join(import.meta.dirname, "../../dist/snapshot/download.js")).href;
    const script = `
      const { writeTree } = await import(${JSON.stringify(dist)});
      const text = Buffer.from("kind: Namespace\\n");
      const objects = ["a", "b", "c"].map((n) => ({ path: "cluster/namespaces/" + n + ".yaml", data: text }));
      const result = await writeTree(objects, ${JSON.stringify(out)});
      console.log(result.objects);
    `;

    const printed = execFileSync(process.execPath, ["--input-type=module", "-e", script], { timeout: 10_000 });

    expect(printed.toString().trim()).toBe("3");
  });

  it("moves an owned batch's buffer to the writing thread, and copies the blobs of any other", async () => {
    const out = join(tmp, "out");
    const plain = new ArrayBuffer(64);
    const bytes = Buffer.from(plain);
    bytes.write("kind: A\n", 0);
    bytes.write("kind: B\n", 32); // a gap between the blobs, as frames hold other blobs
    const owned = {
      paths: ["cluster/a/a.yaml", "cluster/a/b.yaml"],
      blobs: [bytes.subarray(0, 8), bytes.subarray(32, 40)],
      owned: true,
    };
    const kept = Buffer.from("kind: C\nkind: D\n");
    const notOwned = {
      paths: ["cluster/a/c.yaml", "cluster/a/d.yaml"],
      blobs: [kept.subarray(0, 8), kept.subarray(8)],
      owned: false,
    };
    const apart = {
      paths: ["cluster/a/e.yaml", "cluster/a/f.yaml"],
      blobs: [Buffer.from("kind: E\n"), Buffer.from("kind: F\n")],
      owned: true,
    };
    async function* batches() {
      yield owned;
      yield notOwned;
      yield apart; // owned, but in two buffers: copied
      yield object("cluster/a/g.yaml", "kind: G\n");
    }
    const written: number[] = [];

    expect(await writeTree(batches(), out, (n) => written.push(n))).toEqual({ objects: 7, bytes: 56 });

    expect(plain.byteLength).toBe(0); // moved, not copied
    expect(kept.toString()).toBe("kind: C\nkind: D\n");
    for (const name of "abcdefg")
      expect(await readFile(join(out, "cluster/a", `${name}.yaml`), "utf8")).toBe(`kind: ${name.toUpperCase()}\n`);
    expect(written).toEqual([8, 8, 8, 8, 8, 8, 8]);
  });

  it("writes two downloads at once into their own directories", async () => {
    const [a, b] = [join(tmp, "a"), join(tmp, "b")];
    const objects = (tag: string) =>
      Array.from({ length: BATCH_FILES + 10 }, (_, i) => object(`namespaces/n/configmaps/${tag}-${i}.yaml`));

    const results = await Promise.all([
      writeTree(source(objects("a")).iterable, a),
      writeTree(source(objects("b")).iterable, b),
    ]);

    expect(results.map((r) => r.objects)).toEqual([BATCH_FILES + 10, BATCH_FILES + 10]);
    const files = await readdir(join(a, "namespaces/n/configmaps"));
    expect(files).toHaveLength(BATCH_FILES + 10);
    expect(files.every((f) => f.startsWith("a-"))).toBe(true);
    expect(await readdir(join(b, "namespaces/n/configmaps"))).toHaveLength(BATCH_FILES + 10);
  });

  it("fails with the source's error, writing what it gave before and nothing after", async () => {
    const out = join(tmp, "out");
    async function* failing() {
      yield object("cluster/namespaces/a.yaml");
      throw new Error("pack damaged");
    }

    await expect(writeTree(failing(), out)).rejects.toThrow("pack damaged");
    expect(await readdir(join(out, "cluster/namespaces"))).toEqual(["a.yaml"]);
  });

  it("fails with a system call's error as Node gives it, naming the file, after the files before it", async () => {
    const out = join(tmp, "out");
    const long = `cluster/namespaces/${"x".repeat(300)}.yaml`; // a name longer than a file system takes
    const objects = [object("cluster/namespaces/a.yaml"), object(long), object("cluster/namespaces/b.yaml")];

    const error = (await writeTree(source(objects).iterable, out).catch((e: unknown) => e)) as NodeJS.ErrnoException;

    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe("ENAMETOOLONG");
    expect(error.syscall).toBe("open");
    expect(error.path).toBe(join(out, long));
    expect(error.message).toContain(join(out, long));
    expect(await readdir(join(out, "cluster/namespaces"))).toEqual(["a.yaml"]);
  });

  it("refuses a path that escapes the target directory before writing it", async () => {
    const to = join(tmp, "out", "inner");
    const objects = [object("cluster/namespaces/a.yaml"), object("../../escaped.yaml")];

    await expect(writeTree(source(objects).iterable, to)).rejects.toBeInstanceOf(UnsafePathError);
    expect(await readdir(tmp)).toEqual(["out"]);
    expect(await readdir(join(tmp, "out"))).toEqual(["inner"]);
  });
});
