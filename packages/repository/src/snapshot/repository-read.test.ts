import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { Transform } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createIndexWriter } from "../archive/index-writer.js";
import type { ObjectCodec } from "../crypto/codec.js";
import { IntegrityError, UnsafePathError } from "../errors.js";
import { createLocalObjectStore, type LocalObjectStore } from "../stores/local-object-store.js";
import { collect, draftManifest, rawPartFile, stageSnapshot, type TestObject, testObjects } from "../test-support.js";
import { openRepository } from "./repository.js";

const ID = "20261126T020000Z-0a1b2c3d";

let tmp: string;
let local: LocalObjectStore;

beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kubedump-read-test-"));
  local = createLocalObjectStore({ root: join(tmp, "repo") });
});

afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function committed(objects: TestObject[], options: { maxPartBytes?: number; codec?: ObjectCodec } = {}) {
  const repository = await openRepository({ format: 1, store: local, codec: options.codec });
  const manifest = await repository.commitSnapshot(
    await stageSnapshot(join(tmp, "scratch"), ID, objects, options.maxPartBytes),
  );
  return { repository, manifest };
}

/** path → content of every file below `dir`. */
async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath, entry.name);
    out[relative(dir, file)] = (await readFile(file)).toString();
  }
  return out;
}

/** A stand-in for an encrypting codec: flips every byte. */
function xorStream(): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      callback(null, Buffer.from(chunk.map((b) => b ^ 0xff)));
    },
  });
}
const xorCodec: ObjectCodec = { encoder: xorStream, decoder: xorStream };

describe("reading a snapshot", () => {
  it("reads the index back record for record", async () => {
    const objects = testObjects(40);
    const { repository } = await committed(objects, { maxPartBytes: 500 });
    expect(await collect(repository.readIndex(ID))).toEqual(objects.map((o) => o.record));
  });

  it("streams every object through all parts, with its part number", async () => {
    const objects = testObjects(40);
    const { repository, manifest } = await committed(objects, { maxPartBytes: 500 });
    expect(manifest.parts.length).toBeGreaterThan(2);

    const read = await collect(repository.readObjects(ID));

    expect(read).toEqual(objects.map((o) => ({ path: o.record.path, data: o.data, part: o.record.part })));
  });

  it("streams only the parts asked for", async () => {
    const objects = testObjects(40);
    const { repository, manifest } = await committed(objects, { maxPartBytes: 500 });
    const wanted = [manifest.parts.length - 1, 1];

    const read = await collect(repository.readObjects(ID, { parts: wanted }));

    const expected = objects
      .filter((o) => wanted.includes(o.record.part))
      .sort((a, b) => a.record.part - b.record.part);
    expect(read.map((o) => o.path)).toEqual(expected.map((o) => o.record.path));
    expect(new Set(read.map((o) => o.part))).toEqual(new Set(wanted));
  });

  it("can stop early", async () => {
    const { repository } = await committed(testObjects(40), { maxPartBytes: 500 });
    for await (const object of repository.readObjects(ID)) {
      expect(object.part).toBe(0);
      break;
    }
    expect((await collect(repository.readObjects(ID))).length).toBe(40);
  });

  it("download writes exactly the YAML tree", async () => {
    const objects = testObjects(12);
    const { repository } = await committed(objects, { maxPartBytes: 300 });
    const toDir = join(tmp, "out");

    const result = await repository.download(ID, toDir);

    expect(await tree(toDir)).toEqual(Object.fromEntries(objects.map((o) => [o.record.path, o.data.toString()])));
    expect(result).toEqual({ objects: 12, bytes: objects.reduce((sum, o) => sum + o.data.length, 0) });
    expect(Object.keys(await tree(toDir))).toContain(
      "cluster/clusterroles.rbac.authorization.k8s.io/system:controller:job-2.yaml",
    );
  });

  it.each(["../escaped.yaml", "cluster/../../escaped.yaml", "/tmp/absolute.yaml"])(
    "download refuses archive path %j",
    async (path) => {
      const scratch = join(tmp, "hostile");
      const part = await rawPartFile(join(scratch, "00000.tar.gz"), 0, [{ path, data: Buffer.from("kind: Secret\n") }]);
      const index = createIndexWriter({ file: join(scratch, "index.json.gz") });
      await index.add([{ ...testObjects(1)[0]!.record, path }]);
      const manifest = { ...draftManifest(ID, testObjects(1)) };
      const repository = await openRepository({ format: 1, store: local });
      await repository.commitSnapshot({ manifest, partFiles: [part], indexFile: await index.finish() });

      await expect(repository.download(ID, join(tmp, "out", "inner"))).rejects.toBeInstanceOf(UnsafePathError);
      expect(await tree(tmp).then((files) => Object.keys(files).filter((f) => f.includes("escaped")))).toEqual([]);
    },
  );

  it("fails with IntegrityError when a stored part was altered", async () => {
    const { repository, manifest } = await committed(testObjects(20), { maxPartBytes: 500 });
    const key = manifest.parts[1]!.key;
    const stored = await local.getBuffer(key);
    stored[stored.length - 5] = (stored[stored.length - 5] ?? 0) ^ 1;
    await local.put(key, stored);

    await expect(collect(repository.readObjects(ID))).rejects.toThrow(IntegrityError);
    await expect(collect(repository.readObjects(ID))).rejects.toThrow(key);
  });

  it("fails with IntegrityError when the index was truncated", async () => {
    const { repository, manifest } = await committed(testObjects(20));
    const stored = await local.getBuffer(manifest.index.key);
    await local.put(manifest.index.key, stored.subarray(0, stored.length - 1));
    await expect(collect(repository.readIndex(ID))).rejects.toThrow(/bytes, manifest records/);
  });

  it("passes parts and index through the codec, hashing what is stored", async () => {
    const objects = testObjects(10);
    const { repository, manifest } = await committed(objects, { codec: xorCodec });

    const part = await local.getBuffer(manifest.parts[0]!.key);
    expect(part.subarray(0, 2)).not.toEqual(Buffer.from([0x1f, 0x8b])); // not plain gzip
    expect(manifest.parts[0]!.sha256).toBe(createHash("sha256").update(part).digest("hex"));
    expect((await collect(repository.readObjects(ID))).map((o) => o.data)).toEqual(objects.map((o) => o.data));
    expect(await collect(repository.readIndex(ID))).toEqual(objects.map((o) => o.record));
  });
});
