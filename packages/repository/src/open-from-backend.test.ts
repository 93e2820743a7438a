import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { thrownBy } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { BackendConfigError, WrongPasswordError } from "./errors.js";
import { createObjectStoreFromBackend, openRepositoryFromBackend, passwordFromSecret } from "./open-from-backend.js";
import { LocalObjectStore } from "./stores/local-object-store.js";
import { S3ObjectStore } from "./stores/s3-object-store.js";
import { stageSnapshot, testObjects } from "./test-support.js";

const env = inject("testenv");
const ID = "20261126T020000Z-0a1b2c3d";
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kubedump-backend-test-"));
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function s3Backend(prefix = randomBytes(4).toString("hex")) {
  return { s3: { endpoint: env.s3Endpoint, bucket: "kubedump-backend", prefix } };
}

const credentials = () => ({ AWS_ACCESS_KEY_ID: env.accessKey, AWS_SECRET_ACCESS_KEY: env.secretKey });

describe("openRepositoryFromBackend", () => {
  it("opens an S3 backend with the Secret's credentials, encrypted with RESTIC_PASSWORD as an alias", async () => {
    const backend = s3Backend();
    const secret = { ...credentials(), RESTIC_PASSWORD: "from-stash" };
    const repository = await openRepositoryFromBackend({ backend, secret, repository: { kdf: { N: 2 ** 12 } } });
    expect(repository.encrypted).toBe(true);
    await repository.commitSnapshot(await stageSnapshot(join(tmp, "s3"), ID, testObjects(3)));

    const again = await openRepositoryFromBackend({
      backend,
      secret: { ...credentials(), ENCRYPTION_PASSWORD: "from-stash" },
    });
    expect((await again.listSnapshots()).map((m) => m.id)).toEqual([ID]);
    await expect(
      openRepositoryFromBackend({ backend, secret: { ...credentials(), ENCRYPTION_PASSWORD: "other" } }),
    ).rejects.toBeInstanceOf(WrongPasswordError);
  });

  it("opens a local backend", async () => {
    const repository = await openRepositoryFromBackend({
      backend: { local: { path: join(tmp, "local") } },
      secret: {},
    });
    expect(repository.encrypted).toBe(false);
    expect(await repository.listSnapshots()).toEqual([]);
  });

  it("builds the store the backend names", () => {
    expect(createObjectStoreFromBackend({ backend: { local: { path: "/backups" } }, secret: {} })).toBeInstanceOf(
      LocalObjectStore,
    );
    const s3 = createObjectStoreFromBackend({ backend: s3Backend("cluster-a"), secret: credentials() });
    expect(s3).toBeInstanceOf(S3ObjectStore);
    expect((s3 as S3ObjectStore).prefix).toBe("cluster-a/");
  });

  it.each<[string, Parameters<typeof createObjectStoreFromBackend>[0], RegExp]>([
    ["no backend", { backend: {}, secret: {} }, /exactly one of s3 or local/],
    ["two backends", { backend: { ...s3Backend(), local: { path: "/x" } }, secret: {} }, /exactly one of s3 or local/],
    ["a relative local path", { backend: { local: { path: "backups" } }, secret: {} }, /must be absolute/],
    ["no access key", { backend: s3Backend(), secret: { AWS_SECRET_ACCESS_KEY: "hunter2" } }, /no AWS_ACCESS_KEY_ID/],
    [
      "an empty secret key",
      { backend: s3Backend(), secret: { AWS_ACCESS_KEY_ID: "AKIAEXAMPLE", AWS_SECRET_ACCESS_KEY: " " } },
      /no AWS_SECRET_ACCESS_KEY/,
    ],
    [
      "no keys in a process without an AWS chain",
      { backend: s3Backend(), secret: {} },
      /no AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, and this process has no AWS credential chain/,
    ],
    [
      "a CA that is not PEM",
      { backend: s3Backend(), secret: { ...credentials(), CA_CERT_DATA: "garbage" } },
      /CA_CERT_DATA: not a PEM/,
    ],
  ])("refuses %s with a message that names the field, not a value", (_label, options, message) => {
    const error = thrownBy(() => createObjectStoreFromBackend(options));
    expect(error).toBeInstanceOf(BackendConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toMatch(/hunter2|AKIAEXAMPLE|garbage/);
  });

  it.each([
    [{ ENCRYPTION_PASSWORD: "a", RESTIC_PASSWORD: "b" }, "a"],
    [{ RESTIC_PASSWORD: "b" }, "b"],
    [{ ENCRYPTION_PASSWORD: "", RESTIC_PASSWORD: "" }, undefined],
    [{}, undefined],
  ])("passwordFromSecret(%j) is %j", (secret, expected) => {
    expect(passwordFromSecret(secret)).toBe(expected);
  });
});
