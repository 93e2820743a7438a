// Format 2 on the test environment's MinIO and on a local directory: round trip, encryption
// leaving no plaintext in the bucket, and the bytes a second snapshot with 1% changed uploads.
import { createHash, randomBytes } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import { WrongPasswordError } from "../errors.js";
import { createLocalObjectStore } from "../stores/local-object-store.js";
import type { ObjectStore } from "../stores/object-store.js";
import { createS3ObjectStore } from "../stores/s3-object-store.js";
import { collect, rawS3Objects, s3TestOptions } from "../test-support.js";
import { openFormat2Repository } from "./repository.js";
import type { SnapshotInputObject } from "./snapshot-writer.js";
import { clusterObjects, countingStore, draftV2, inputObject, putBytes, testDirectory } from "./test-support.js";

const env = inject("testenv");
const BUCKET = "kubedump-format2";
const CHEAP = { N: 2 ** 12 };
const COUNT = 3000;
const IDS = ["20261126T020000Z-0f0f0f0f", "20261126T030000Z-0f0f0f0f"];
const inTmp = testDirectory("repository");

const STORES: [string, () => ObjectStore][] = [
  ["MinIO", () => createS3ObjectStore(s3TestOptions(env, BUCKET, "f2"))],
  ["a local directory", () => createLocalObjectStore({ root: inTmp(randomBytes(4).toString("hex")) })],
];

/** 1% of the objects changed, spread over every namespace and type (the worst case for sharing). */
const CHANGED = new Set(Array.from({ length: COUNT / 100 }, (_, i) => (i * 7919) % COUNT));

async function readBack(repository: Awaited<ReturnType<typeof openFormat2Repository>>, id: string) {
  const records = await collect(repository.readIndex(id));
  const objects = new Map((await collect(repository.readObjects(id))).map((o) => [o.path, o.data]));
  return { records, objects };
}

function expectSame(read: Awaited<ReturnType<typeof readBack>>, input: SnapshotInputObject[]): void {
  expect(read.records).toHaveLength(input.length);
  expect(read.objects.size).toBe(input.length);
  const byKey = new Map(read.records.map((r) => [`${r.namespace}/${r.resource}/${r.name}`, r]));
  for (const { record, data } of input) {
    const read_ = byKey.get(`${record.namespace}/${record.resource}/${record.name}`);
    expect(read_).toMatchObject(record);
    expect(read.objects.get(read_?.path ?? "")?.equals(data)).toBe(true);
  }
}

describe.each(STORES)("format 2 repository on %s", (where, newStore) => {
  it(`reads ${COUNT} objects back byte for byte; 1% changed uploads a small fraction of the bytes`, async () => {
    const { store, puts } = countingStore(newStore());
    const repository = await openFormat2Repository({ store });
    const first = clusterObjects(COUNT, 10);
    await repository.writeSnapshot(draftV2(IDS[0]!), first);
    const firstBytes = putBytes(puts, "data/", "index/");
    expectSame(await readBack(repository, IDS[0]!), first);
    puts.clear();
    const second = clusterObjects(COUNT, 10, CHANGED);
    const manifest = await repository.writeSnapshot(draftV2(IDS[1]!), second);
    const secondBytes = putBytes(puts, "data/", "index/");
    console.log(
      `format 2 on ${where}: first snapshot ${firstBytes} bytes, second (1% changed) ${secondBytes} bytes, ` +
        `${((100 * secondBytes) / firstBytes).toFixed(1)}%; ${manifest.added.blobs} blobs added`,
    );
    expect(manifest.storedBytes).toBe(secondBytes);
    expect(secondBytes).toBeLessThan(firstBytes * 0.1);
    expectSame(await readBack(repository, IDS[1]!), second);
    expectSame(await readBack(repository, IDS[0]!), first);
  });
});

function secretInput(value: string): SnapshotInputObject {
  const data = Buffer.from(
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db-credentials\n  namespace: team-0\n` +
      `stringData:\n  password: ${value}\ndata:\n  token: ${Buffer.from(value).toString("base64")}\n`,
  );
  return inputObject(
    { group: "", version: "v1", resource: "secrets", kind: "Secret", namespace: "team-0", name: "db-credentials" },
    data,
  );
}

describe("encrypted format 2 repository on MinIO", () => {
  it("stores no plaintext, no object name and no plaintext sha256 anywhere in the bucket", async () => {
    const store = createS3ObjectStore(s3TestOptions(env, BUCKET, "f2-enc"));
    const secret = `s3cr3t-${randomBytes(8).toString("hex")}`;
    const input = [...clusterObjects(500, 5), secretInput(secret)];
    const repository = await openFormat2Repository({ store, password: "pw", kdf: CHEAP });
    await repository.writeSnapshot(draftV2(IDS[0]!), input);
    const raw = await rawS3Objects(env, BUCKET, store.prefix);
    expect([...raw.keys()].some((k) => k.includes("/data/"))).toBe(true);
    const needles = [
      secret,
      Buffer.from(secret).toString("base64"),
      "registry.example.com",
      "db-credentials",
      "web-123",
    ];
    for (const { record } of input) needles.push(record.sha256, record.uid);
    const hashes = input.map(({ data }) => createHash("sha256").update(data).digest());
    for (const [key, bytes] of raw) {
      for (const needle of needles) expect(bytes.includes(needle), `${needle} in ${key}`).toBe(false);
      for (const hash of hashes) expect(bytes.includes(hash), `a raw sha256 in ${key}`).toBe(false);
      for (const needle of needles) expect(key.includes(needle), `${needle} in key ${key}`).toBe(false);
    }
    expectSame(await readBack(repository, IDS[0]!), input);
    await expect(openFormat2Repository({ store, password: "wrong", kdf: CHEAP })).rejects.toThrow(WrongPasswordError);
  });
});
