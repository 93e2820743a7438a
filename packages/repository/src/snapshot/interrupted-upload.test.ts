// Uploads cut off midway — MinIO stopped, or the uploading process killed — leave no listed
// snapshot, and a later sweep removes what they left.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Minio, startMinio } from "@kubedump/testenv";
import { Client } from "minio";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { StoreUnreachableError } from "../errors.js";
import { createS3ObjectStore, type S3ObjectStoreOptions } from "../stores/s3-object-store.js";
import { bigObjects, collect, s3TestOptions, stageSnapshot, wrapStore } from "../test-support.js";
import { openRepository } from "./repository.js";

const env = inject("testenv");
const ID = "20261126T020000Z-0a1b2c3d";
const MiB = 1024 * 1024;
const DIST = join(dirname(fileURLToPath(import.meta.url)), "../../dist");
const TWO_HOURS_LATER = () => new Date(Date.now() + 2 * 3600_000);
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kubedump-interrupted-test-"));
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const keysOf = async (options: S3ObjectStoreOptions) =>
  (await collect(createS3ObjectStore(options).list(""))).map((e) => e.key);

describe("an upload interrupted by MinIO stopping", () => {
  let minio: Minio | undefined;

  afterAll(async () => {
    await minio?.process.stop();
  });

  function options(server: Minio): S3ObjectStoreOptions {
    const { endpoint, accessKey, secretKey } = server;
    return {
      endpoint,
      accessKey,
      secretKey,
      bucket: "kubedump-interrupted",
      prefix: "repo",
      partSize: 5 * MiB,
      retry: { attempts: 2, baseDelayMs: 50, maxDelayMs: 100 },
    };
  }

  it("fails clearly, lists nothing once MinIO is back, and a sweep an hour later removes the leftovers", async () => {
    const dir = await mkdtemp(join(tmp, "minio-"));
    const first = await startMinio(dir);
    minio = first;
    const store = createS3ObjectStore(options(first));
    // The index goes up alongside the parts; part 0 and the index are in, part 1 never gets there.
    let indexStored: Promise<void> | undefined;
    const stopping = wrapStore(store, {
      async put(key, body) {
        if (key.endsWith("/index.json.gz")) {
          indexStored = store.put(key, body);
          return indexStored;
        }
        if (key.endsWith("/parts/00001.tar.gz")) {
          await indexStored;
          await first.process.stop();
        }
        return store.put(key, body);
      },
    });
    const repository = await openRepository({
      format: 1,
      store: stopping,
      uploadRetry: { attempts: 2, baseDelayMs: 50, maxDelayMs: 100 },
    });
    const input = await stageSnapshot(join(tmp, "scratch-a"), ID, bigObjects(3, 6 * MiB), 6 * MiB, 0);
    expect(input.partFiles).toHaveLength(3);

    const error = await repository.commitSnapshot(input).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StoreUnreachableError);
    expect((error as Error).message).toMatch(
      new RegExp(`cannot reach the object store at ${first.endpoint}: ECONNREFUSED`),
    );

    minio = await startMinio(dir); // same data, new port and credentials
    // MinIO restarted on its data may answer 503 for a while after it reports ready (tens of seconds on a loaded machine)
    const patient = { ...options(minio), retry: { attempts: 20, baseDelayMs: 200, maxDelayMs: 3000 } };
    const after = await openRepository({ format: 1, store: createS3ObjectStore(patient) });
    expect(await after.listSnapshots()).toEqual([]);
    expect(await after.listUnfinished()).toMatchObject([{ id: ID, keys: 2 }]);
    expect((await after.sweepUnfinished()).skipped.map((u) => u.id)).toEqual([ID]); // younger than an hour

    const swept = await after.sweepUnfinished({ now: TWO_HOURS_LATER() });
    expect(swept.removed.map((u) => u.id)).toEqual([ID]);
    expect(await keysOf(patient)).toEqual(["repository.json"]);
  });
});

/** Commits two 7 MiB parts; part 1 stalls after 6 MiB, once MIDWAY is printed. */
const CHILD = `
import { Transform } from "node:stream";
import { openRepository } from ${JSON.stringify(join(DIST, "index.js"))};
import { createIndexWriter, createPartWriter } from ${JSON.stringify(join(DIST, "archive/index.js"))};
import { createS3ObjectStore } from ${JSON.stringify(join(DIST, "stores/s3-object-store.js"))};
import { createHash, randomBytes } from "node:crypto";
const { ENDPOINT, ACCESS_KEY, SECRET_KEY, BUCKET, PREFIX, SCRATCH, ID } = process.env;
const store = createS3ObjectStore({ endpoint: ENDPOINT, accessKey: ACCESS_KEY, secretKey: SECRET_KEY, bucket: BUCKET, prefix: PREFIX, partSize: 5 * 1024 * 1024 });
const stalling = Object.create(store);
stalling.put = (key, body) => {
  if (!key.endsWith("/parts/00001.tar.gz")) return store.put(key, body);
  let seen = 0;
  const gate = new Transform({ transform(chunk, _e, done) {
    seen += chunk.length;
    if (seen < 6 * 1024 * 1024) return done(null, chunk);
    process.stdout.write("MIDWAY\\n"); // and never call done: the process is killed here
  } });
  return store.put(key, body.pipe(gate));
};
const parts = createPartWriter({ dir: SCRATCH, maxPartBytes: 7 * 1024 * 1024, gzipLevel: 0 });
const index = createIndexWriter({ file: SCRATCH + "/index.json.gz" });
for (let i = 0; i < 2; i += 1) {
  const data = randomBytes(7 * 1024 * 1024);
  const record = { path: "namespaces/prod/configmaps/big-" + i + ".yaml", group: "", version: "v1", resource: "configmaps", kind: "ConfigMap",
    namespace: "prod", name: "big-" + i, uid: "u" + i, sha256: createHash("sha256").update(data).digest("hex"), bytes: data.length };
  [record.part] = await parts.add([{ path: record.path, data }]);
  await index.add([record]);
}
const { parts: partFiles } = await parts.finish();
const repository = await openRepository({ format: 1, store: stalling });
await repository.commitSnapshot({ partFiles, indexFile: await index.finish(), manifest: { formatVersion: 1, id: ID,
  time: new Date().toISOString(), completedAt: new Date().toISOString(), source: { kind: "cli" }, cluster: {}, scope: { type: "cluster" },
  params: {}, counts: { configmaps: 2 }, objects: 2, bytes: 14 * 1024 * 1024, warnings: [] } });
`;

function waitForLine(child: ChildProcess, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (data: Buffer) => {
      out += data.toString();
      if (out.includes(line)) resolve();
    });
    child.on("exit", (code) => reject(new Error(`child exited with ${code} before printing ${line}`)));
  });
}

describe("an upload interrupted by the uploading process being killed", () => {
  it("leaves nothing listed; a later sweep removes the parts and aborts the half-done multipart upload", async () => {
    expect(existsSync(join(DIST, "index.js")), `build packages/repository first (${DIST})`).toBe(true);
    const options = s3TestOptions(env, "kubedump-interrupted", "killed");
    const script = join(tmp, "upload-child.mjs");
    await writeFile(script, CHILD);
    const stderr: Buffer[] = [];
    const child = spawn(process.execPath, [script], {
      env: {
        ...process.env,
        ENDPOINT: env.s3Endpoint,
        ACCESS_KEY: env.accessKey,
        SECRET_KEY: env.secretKey,
        BUCKET: options.bucket,
        PREFIX: options.prefix,
        SCRATCH: await mkdtemp(join(tmp, "scratch-b-")),
        ID,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stderr?.on("data", (data: Buffer) => stderr.push(data));
    // Heard from the start: with nothing left to wait for once its upload stalls (a part sent, the
    // next one still filling), the child may exit before it is killed.
    const exited = new Promise((resolve) => child.once("exit", resolve));
    await waitForLine(child, "MIDWAY").catch((err: Error) => {
      throw new Error(`${err.message}: ${Buffer.concat(stderr).toString()}`);
    });
    const repository = await openRepository({ format: 1, store: createS3ObjectStore(options) });
    for (let i = 0; i < 100 && (await countUploads(options)) === 0; i += 1) await new Promise((r) => setTimeout(r, 50));
    child.kill("SIGKILL");
    await exited;

    expect(await repository.listSnapshots()).toEqual([]);
    // The small index went up alongside part 0, long before part 1 got halfway.
    expect(await keysOf(options)).toEqual([
      "repository.json",
      `snapshots/${ID}/index.json.gz`,
      `snapshots/${ID}/parts/00000.tar.gz`,
    ]);
    const swept = await repository.sweepUnfinished({ now: TWO_HOURS_LATER() });
    expect(swept).toMatchObject({ removed: [{ id: ID, keys: 2 }], deletedKeys: 2, incompleteUploads: 1 });
    expect(await keysOf(options)).toEqual(["repository.json"]);
  });
});

/** Unfinished multipart uploads below the store's prefix, as MinIO lists them. */
async function countUploads(options: S3ObjectStoreOptions): Promise<number> {
  const url = new URL(options.endpoint);
  const client = new Client({
    endPoint: url.hostname,
    port: Number(url.port),
    useSSL: false,
    accessKey: options.accessKey,
    secretKey: options.secretKey,
  });
  const { uploads } = await client.listIncompleteUploadsQuery(options.bucket, "", "", "", "");
  return uploads.filter((u) => u.key.startsWith(`${options.prefix}/`)).length;
}
