import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { thrownBy } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { BackendConfigError, WrongPasswordError } from "./errors.js";
import { format2Of } from "./format2/as-repository.js";
import { createObjectStoreFromBackend, openRepositoryFromBackend, passwordFromSecret } from "./open-from-backend.js";
import { clusterObjects, draftV2 } from "./format2/test-support.js";
import { readRepositoryStorage } from "./repository-object.js";
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
    const options = { backend, secret, format: 1 as const, repository: { kdf: { N: 2 ** 12 } } };
    const repository = await openRepositoryFromBackend(options);
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

  it("creates a new repository in format 2 unless the Repository's spec.format says 1; an existing one keeps its own", async () => {
    const open = async (path: string, spec: { format?: number }) => {
      const backend = { local: { path: join(tmp, path) } };
      const storage = await readRepositoryStorage({
        namespace: "ns",
        name: path,
        spec: { backend, ...spec },
        readSecret: async () => ({}),
      });
      const repository = await openRepositoryFromBackend(storage);
      // A commit writes repository.json: format 1 by a staged part, format 2 by an empty snapshot.
      const format2 = format2Of(repository);
      if (format2) await format2.writeSnapshot(draftV2(ID), clusterObjects(1, 1));
      else await repository.commitSnapshot(await stageSnapshot(join(tmp, `${path}-stage`), ID, testObjects(1)));
      return JSON.parse(await readFile(join(tmp, path, "repository.json"), "utf8")).formatVersion;
    };
    expect(await open("default-format", {})).toBe(2);
    expect(await open("format-1", { format: 1 })).toBe(1);
    expect(await open("format-2", { format: 2 })).toBe(2);
    // An existing repository keeps its format whatever a Repository object asks for a new one.
    const reopened = await openRepositoryFromBackend({
      backend: { local: { path: join(tmp, "format-1") } },
      secret: {},
    });
    expect(format2Of(reopened)).toBeUndefined();
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
