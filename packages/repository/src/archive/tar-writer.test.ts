import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readTarFiles, type TarFile } from "./tar-stream-adapters.js";
import { TarWriter } from "./tar-writer.js";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "kubedump-tar-test-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const MTIME = new Date("2026-11-26T02:00:00Z");

/** The archive `files` make, and the sizes of the chunks it was handed on in. */
function archive(files: TarFile[], chunkBytes?: number): { tar: Buffer; chunks: number[] } {
  const out: Buffer[] = [];
  const writer = new TarWriter({ mtime: MTIME, chunkBytes, out: (chunk) => out.push(Buffer.from(chunk)) });
  for (const f of files) writer.addFile(f.path, f.data);
  writer.end();
  return { tar: Buffer.concat(out), chunks: out.map((c) => c.length) };
}

async function readBack(tar: Buffer): Promise<TarFile[]> {
  const files: TarFile[] = [];
  for await (const f of readTarFiles(Readable.from([tar]))) files.push(f);
  return files;
}

const FILES: TarFile[] = [
  { path: "namespaces/prod/configmaps/app.yaml", data: Buffer.from("apiVersion: v1\nkind: ConfigMap\n") },
  {
    path: "cluster/clusterroles.rbac.authorization.k8s.io/system:controller:job.yaml",
    data: Buffer.from("kind: ClusterRole\n"),
  },
  // 100 bytes exactly: still a plain ustar name.
  { path: `cluster/namespaces/${"n".repeat(76)}.yaml`, data: Buffer.from("kind: Namespace\n") },
  // Longer than 100 bytes, and not ASCII: a PAX path record.
  { path: `namespaces/prod/widgets.example.com/${"w".repeat(240)}.yaml`, data: Buffer.from("kind: Widget\n") },
  { path: "namespaces/prod/widgets.example.com/grüße-ünïcödé.yaml", data: Buffer.from("kind: Widget\n") },
  { path: "cluster/namespaces/empty.yaml", data: Buffer.alloc(0) },
  { path: "namespaces/prod/configmaps/block.yaml", data: Buffer.alloc(1024, "b") }, // a whole number of blocks
];

describe("TarWriter", () => {
  it("writes archives tar-stream reads back entry for entry", async () => {
    const { tar } = archive(FILES);
    expect(tar.length % 512).toBe(0);
    expect(tar.subarray(-1024).every((b) => b === 0)).toBe(true);
    expect(await readBack(tar)).toEqual(FILES);
  });

  it("writes archives GNU tar lists and extracts, checksums, mtime and mode included", async () => {
    const file = join(dir, "part.tar");
    await writeFile(file, archive(FILES).tar);
    const listing = execFileSync("tar", ["--utc", "-tvf", file], { encoding: "utf8" }).trim().split("\n");
    expect(listing).toHaveLength(FILES.length);
    expect(listing[0]).toMatch(/^-rw-r--r-- 0\/0 +31 2026-11-26 02:00 namespaces\/prod\/configmaps\/app\.yaml$/);
    execFileSync("tar", ["-xf", file, "-C", dir]);
    for (const f of FILES) expect(await readFile(join(dir, f.path))).toEqual(f.data);
  });

  it("hands on chunks of at most chunkBytes, and large bodies as they are", async () => {
    const files: TarFile[] = Array.from({ length: 40 }, (_, i) => ({
      path: `namespaces/ns/configmaps/cm-${i}.yaml`,
      data: Buffer.alloc(i % 7 === 0 ? 3000 : 300 + i, String.fromCharCode(97 + (i % 26))),
    }));
    const { tar, chunks } = archive(files, 4096);
    expect(Math.max(...chunks.filter((n) => n !== 3000))).toBeLessThanOrEqual(4096);
    expect(chunks.filter((n) => n === 3000)).toHaveLength(6); // bodies of a quarter chunk or more
    expect(await readBack(tar)).toEqual(files);
  });

  it("refuses a chunk size too small to hold a header and its body", () => {
    expect(() => new TarWriter({ mtime: MTIME, chunkBytes: 1024, out: () => {} })).toThrow(/chunkBytes/);
  });
});
