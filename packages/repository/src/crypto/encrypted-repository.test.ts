// Encrypted repositories on the test environment's MinIO; raw bytes are read with a bare minio client.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { EncryptionMismatchError, IntegrityError, WrongPasswordError } from "../errors.js";
import { openRepository } from "../snapshot/repository.js";
import type { ObjectStore } from "../stores/object-store.js";
import { createS3ObjectStore, type S3ObjectStore } from "../stores/s3-object-store.js";
import {
  collect,
  rawS3Objects,
  s3TestOptions,
  secretObject,
  stageSnapshot,
  testObjects,
  wrapStore,
} from "../test-support.js";

const env = inject("testenv");
const BUCKET = "kubedump-encryption";
const ID = "20261126T020000Z-0a1b2c3d";
const ID2 = "20261127T020000Z-0a1b2c3d";
const CHEAP = { N: 2 ** 12 };
const SECRET_VALUE = `s3cr3t-${randomBytes(8).toString("hex")}`;
const SECRETS = [SECRET_VALUE, Buffer.from(SECRET_VALUE).toString("base64")];
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kubedump-encryption-test-"));
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function newStore(): S3ObjectStore {
  return createS3ObjectStore(s3TestOptions(env, BUCKET, "enc"));
}

/** Stages with gzip level 0 (stored blocks), so plaintext would show in the bytes unless encrypted. */
async function stageWithSecret(id: string) {
  return stageSnapshot(
    join(tmp, `${id}-${randomBytes(4).toString("hex")}`),
    id,
    [...testObjects(5), secretObject("db", SECRET_VALUE)],
    undefined,
    0,
  );
}

/** Counts reads per key, to show what a failing open touched. */
function countingStore(inner: ObjectStore): { store: ObjectStore; reads: string[] } {
  const reads: string[] = [];
  const store = wrapStore(inner, {
    get(key) {
      reads.push(key);
      return inner.get(key);
    },
    getBuffer(key) {
      reads.push(key);
      return inner.getBuffer(key);
    },
  });
  return { store, reads };
}

describe("an encrypted repository on S3", () => {
  it("stores no Secret value in plaintext anywhere in the bucket, and reads it back with the password", async () => {
    const store = newStore();
    const repository = await openRepository({ format: 1, store, password: "correct horse battery staple" });
    expect(repository.encrypted).toBe(true);
    const manifest = await repository.commitSnapshot(await stageWithSecret(ID));

    const raw = await rawS3Objects(env, BUCKET, store.prefix);
    expect([...raw.keys()].map((k) => k.slice(store.prefix.length)).sort()).toEqual([
      "repository.json",
      `snapshots/${ID}/index.json.gz`,
      `snapshots/${ID}/parts/00000.tar.gz`,
      `snapshots/${ID}/snapshot.json`,
    ]);
    for (const [key, bytes] of raw) {
      for (const secret of SECRETS) expect(bytes.includes(Buffer.from(secret)), `${secret} in ${key}`).toBe(false);
    }
    expect(raw.get(`${store.prefix}repository.json`)?.toString()).not.toContain("correct horse");

    const again = await openRepository({
      format: 1,
      store: newStoreLike(store),
      password: "correct horse battery staple",
    });
    const objects = await collect(again.readObjects(ID));
    expect(objects.find((o) => o.path === "namespaces/prod/secrets/db.yaml")?.data.toString()).toContain(
      `password: ${SECRET_VALUE}`,
    );
    expect(await collect(again.readIndex(ID))).toHaveLength(manifest.objects);
  });

  it("control: the same snapshot unencrypted does show the value, so the check above can fail", async () => {
    const store = newStore();
    await (await openRepository({ format: 1, store })).commitSnapshot(await stageWithSecret(ID));
    const raw = await rawS3Objects(env, BUCKET, store.prefix);
    expect([...raw.values()].some((bytes) => bytes.includes(Buffer.from(SECRET_VALUE)))).toBe(true);
  });

  it("records the KDF parameters, salt and key check in repository.json", async () => {
    const store = newStore();
    await (await openRepository({ format: 1, store, password: "pw", kdf: CHEAP })).commitSnapshot(
      await stageWithSecret(ID),
    );
    expect(JSON.parse((await store.getBuffer("repository.json")).toString())).toEqual({
      formatVersion: 1,
      created: expect.any(String),
      encryption: {
        kdf: { name: "scrypt", N: 4096, r: 8, p: 1, salt: expect.any(String) },
        cipher: "aes-256-gcm",
        keyCheck: expect.any(String),
      },
    });
  });

  it("fails a wrong password with a message that says so, having read nothing but repository.json", async () => {
    const store = newStore();
    await (await openRepository({ format: 1, store, password: "right", kdf: CHEAP })).commitSnapshot(
      await stageWithSecret(ID),
    );
    const { store: counted, reads } = countingStore(store);

    const error = await openRepository({ format: 1, store: counted, password: "wrong" }).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(WrongPasswordError);
    expect((error as Error).message).toBe(
      "wrong encryption password: it does not match the key check in repository.json",
    );
    expect(reads).toEqual(["repository.json"]);
  });

  it.each([
    ["an encrypted repository opened without a password", "pw", undefined, /is encrypted: set ENCRYPTION_PASSWORD/],
    [
      "an unencrypted repository opened with a password",
      undefined,
      "pw",
      /is not encrypted, but an encryption password was given/,
    ],
  ])("refuses %s before any write", async (_label, created, opened, message) => {
    const store = newStore();
    await (await openRepository({ format: 1, store, password: created, kdf: CHEAP })).commitSnapshot(
      await stageWithSecret(ID),
    );
    const error = await openRepository({ format: 1, store, password: opened, kdf: CHEAP }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(EncryptionMismatchError);
    expect((error as Error).message).toMatch(message);
  });

  it("two first backups racing to create repository.json end up with one key", async () => {
    const store = newStore();
    const [a, b] = [
      await openRepository({ format: 1, store, password: "pw", kdf: CHEAP }),
      await openRepository({ format: 1, store, password: "pw", kdf: CHEAP }),
    ];
    await Promise.all([a.commitSnapshot(await stageWithSecret(ID)), b.commitSnapshot(await stageWithSecret(ID2))]);
    const fresh = await openRepository({ format: 1, store, password: "pw" });
    for (const id of [ID, ID2]) expect(await collect(fresh.readObjects(id))).toHaveLength(6);
  });

  it("fails reading a part whose bytes were changed, naming the part", async () => {
    const store = newStore();
    const repository = await openRepository({ format: 1, store, password: "pw", kdf: CHEAP });
    const manifest = await repository.commitSnapshot(await stageWithSecret(ID));
    const key = manifest.parts[0]?.key as string;
    const bytes = await store.getBuffer(key);
    bytes[100] = (bytes[100] as number) ^ 0xff;
    await store.put(key, bytes);

    const error = await collect(repository.readObjects(ID)).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as IntegrityError).key).toBe(key);
    expect((error as Error).message).toMatch(/cannot decrypt chunk 0: authentication failed|sha256/);
  });
});

/** A second store instance on the same prefix, as another process would open it. */
function newStoreLike(store: S3ObjectStore): S3ObjectStore {
  return createS3ObjectStore({ ...s3TestOptions(env, BUCKET, "x"), prefix: store.prefix });
}
