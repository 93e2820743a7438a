import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createGunzip } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UnsafePathError } from "../errors.js";
import { pathFor } from "../snapshot/layout.js";
import { createPartWriter, type PartEntry } from "./part-writer.js";
import { readTarFiles, type TarFile } from "./tar-stream-adapters.js";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "kubedump-parts-test-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `count` ConfigMaps of `size` bytes each, all different. */
function configMaps(count: number, size = 1000): PartEntry[] {
  return Array.from({ length: count }, (_, i) => {
    const head = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\n  namespace: ns-${i % 3}\n`;
    const data = Buffer.from(head.padEnd(size, `# ${i}\n`));
    return { path: pathFor({ group: "", resource: "configmaps", namespace: `ns-${i % 3}`, name: `cm-${i}` }), data };
  });
}

async function readPart(file: string): Promise<TarFile[]> {
  const files: TarFile[] = [];
  for await (const entry of readTarFiles(createReadStream(file).pipe(createGunzip()))) files.push(entry);
  return files;
}

/** Writes `entries`; pushes the part number each add reported onto `placed`. */
async function writeAll(entries: PartEntry[], options: { maxPartBytes?: number } = {}, placed: number[] = []) {
  const writer = createPartWriter({ dir, ...options });
  for (const entry of entries) placed.push(...(await writer.add([entry])));
  return writer.finish();
}

describe("createPartWriter", () => {
  it("round-trips entries, long and ':' names included, through one part", async () => {
    const entries = [
      ...configMaps(3),
      {
        path: "cluster/clusterroles.rbac.authorization.k8s.io/system:controller:job.yaml",
        data: Buffer.from("kind: ClusterRole\n"),
      },
      { path: `namespaces/prod/widgets.example.com/${"w".repeat(240)}.yaml`, data: Buffer.from("kind: Widget\n") },
      { path: "cluster/namespaces/empty.yaml", data: Buffer.alloc(0) },
    ];
    const result = await writeAll(entries);

    expect(result.parts).toHaveLength(1);
    const [part] = result.parts;
    expect(part).toMatchObject({ n: 0, file: join(dir, "parts", "00000.tar.gz"), objects: entries.length });
    expect(await readPart(part!.file)).toEqual(entries);
    const fileBytes = await readFile(part!.file);
    expect(part!.bytes).toBe(fileBytes.length);
    expect(part!.sha256).toBe(createHash("sha256").update(fileBytes).digest("hex"));
    expect(result.uncompressedBytes).toBe(entries.reduce((sum, e) => sum + e.data.length, 0));
  });

  it("rolls over to a new part when the next object would pass maxPartBytes", async () => {
    const entries = configMaps(25, 1000);
    const placed: number[] = [];
    const result = await writeAll(entries, { maxPartBytes: 4000 }, placed);

    expect(result.parts.map((p) => p.n)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(result.parts.map((p) => p.objects)).toEqual([4, 4, 4, 4, 4, 4, 1]);
    expect(placed).toEqual(entries.map((_, i) => Math.floor(i / 4)));
    expect(result.parts.every((p) => p.uncompressedBytes <= 4000)).toBe(true);
    expect(await readdir(join(dir, "parts"))).toEqual(result.parts.map((p) => `0000${p.n}.tar.gz`));
    const readBack: TarFile[] = [];
    for (const part of result.parts) readBack.push(...(await readPart(part.file)));
    expect(readBack).toEqual(entries);
    expect(result.objects).toBe(25);
  });

  it("gives an object larger than maxPartBytes a part of its own", async () => {
    const [small1, small2] = configMaps(2, 100);
    const big = { path: "cluster/namespaces/big.yaml", data: Buffer.alloc(5000, "a") };
    const result = await writeAll([small1!, big, small2!], { maxPartBytes: 1000 });
    expect(result.parts.map((p) => p.objects)).toEqual([1, 1, 1]);
    expect((await readPart(result.parts[1]!.file)).map((f) => f.path)).toEqual([big.path]);
  });

  it("writes no part when no object was added", async () => {
    const result = await writeAll([]);
    expect(result).toEqual({ parts: [], objects: 0, uncompressedBytes: 0 });
  });

  it.each(["", "/etc/passwd", "../escape.yaml", "cluster/../../x.yaml", "cluster//x.yaml", "./x.yaml"])(
    "rejects unsafe path %j",
    async (path) => {
      const writer = createPartWriter({ dir });
      const [good] = configMaps(1);
      // The whole batch is refused, the good entry before the bad one included.
      await expect(writer.add([good!, { path, data: Buffer.from("x") }])).rejects.toBeInstanceOf(UnsafePathError);
      await writer.add([good!]);
      expect((await writer.finish()).objects).toBe(1);
    },
  );

  it("refuses an add call while the previous one still waits for zlib", async () => {
    const writer = createPartWriter({ dir });
    // 10 MiB of random bodies: more than a part's 8 MiB of slots take at once, so the first add()
    // has to wait for zlib.
    const big = Array.from({ length: 40 }, (_, i) => ({
      path: `namespaces/ns/configmaps/big-${i}.yaml`,
      data: randomBytes(256 * 1024),
    }));
    const [b] = configMaps(1);
    const first = writer.add(big);
    await expect(writer.add([b!])).rejects.toThrow(/previous add\(\) has not finished/);
    expect(await first).toEqual(big.map(() => 0));
    await writer.add([b!]);
    expect((await writer.finish()).objects).toBe(41);
  });

  it("surfaces a write failure by finish at the latest, and stays failed", async () => {
    await writeFile(join(dir, "parts"), "a file where the parts directory should be");
    const writer = createPartWriter({ dir });
    const [a, b, c] = configMaps(3);
    // Writes are buffered: the failure may reach the first add, the second, or finish.
    const run = async () => {
      await writer.add([a!]);
      await writer.add([b!]);
      return writer.finish();
    };
    await expect(run()).rejects.toThrow(/EEXIST|ENOTDIR/);
    await expect(writer.add([c!])).rejects.toThrow(/finished or aborted/);
  });

  it("refuses add after finish", async () => {
    const writer = createPartWriter({ dir });
    await writer.finish();
    await expect(writer.add([configMaps(1)[0]!])).rejects.toThrow(/finished or aborted/);
  });

  it.each([
    [{ maxPartBytes: 0 }, /maxPartBytes/],
    [{ gzipLevel: 10 }, /gzipLevel/],
  ])("rejects options %o", (options, message) => {
    expect(() => createPartWriter({ dir, ...options })).toThrow(message);
  });
});
