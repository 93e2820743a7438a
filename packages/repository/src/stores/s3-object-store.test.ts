// What only the S3 store shows (the behaviour every store shares is in object-store-conformance.test.ts).
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { connect, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPki, type Minio, startMinio, thrownBy } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { BackendConfigError, StoreAccessDeniedError, StoreRequestError, StoreUnreachableError } from "../errors.js";
import { collect, s3TestOptions } from "../test-support.js";
import { parseEndpoint } from "./s3-client.js";
import { createS3ObjectStore, type S3ObjectStoreOptions } from "./s3-object-store.js";

const env = inject("testenv");
const BUCKET = "kubedump-s3-store";

describe("parseEndpoint", () => {
  it.each([
    [
      "minio.storage.svc:9000",
      { host: "minio.storage.svc", port: 9000, useSSL: true, url: "https://minio.storage.svc:9000" },
    ],
    ["s3.amazonaws.com", { host: "s3.amazonaws.com", port: 443, useSSL: true, url: "https://s3.amazonaws.com" }],
    ["http://127.0.0.1:9000/", { host: "127.0.0.1", port: 9000, useSSL: false, url: "http://127.0.0.1:9000" }],
    ["https://[::1]:9000", { host: "::1", port: 9000, useSSL: true, url: "https://[::1]:9000" }],
  ])("%s", (endpoint, expected) => {
    expect(parseEndpoint(endpoint)).toEqual(expected);
  });

  it.each([
    ["ftp://host", /only http:\/\/ and https:\/\//],
    ["https://host/path", /without path, query or credentials/],
    ["https://user:pw@host", /without path, query or credentials/],
  ])("refuses %s", (endpoint, message) => {
    const error = thrownBy(() => parseEndpoint(endpoint));
    expect(error).toBeInstanceOf(BackendConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain("pw");
  });
});

describe("S3ObjectStore on MinIO", () => {
  it("keeps stores with different prefixes in one bucket apart", async () => {
    const [a, b] = [
      createS3ObjectStore(s3TestOptions(env, BUCKET, "a")),
      createS3ObjectStore(s3TestOptions(env, BUCKET, "a")),
    ];
    await a.put("repository.json", Buffer.from("a"));
    await b.put("repository.json", Buffer.from("b"));
    expect((await collect(a.list(""))).map((e) => e.key)).toEqual(["repository.json"]);
    expect((await a.getBuffer("repository.json")).toString()).toBe("a");
  });

  it("puts a Buffer larger than a part in one request, signed with the sha256 its caller gives", async () => {
    const store = createS3ObjectStore(s3TestOptions(env, BUCKET, "sha")); // parts of 5 MiB
    const body = randomBytes(6 * 1024 * 1024 + 17);
    const sha256 = createHash("sha256").update(body).digest("hex");
    await store.put("data/ab/pack", body, { sha256 });
    expect((await store.getBuffer("data/ab/pack")).equals(body)).toBe(true);
    // MinIO checks a signed payload against its hash: the given one is what was signed
    const wrong = sha256.replace(/^./, (c) => (c === "0" ? "1" : "0"));
    const error = await store.put("data/ab/other", body, { sha256: wrong }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StoreRequestError);
    expect((error as StoreRequestError).code).toBe("XAmzContentSHA256Mismatch");
    expect(await store.stat("data/ab/other")).toBeUndefined();
  });

  it("reads a missing bucket as empty and creates it on the first write", async () => {
    const store = createS3ObjectStore({ ...s3TestOptions(env, `kubedump-new-${randomBytes(4).toString("hex")}`, "p") });
    expect(await collect(store.list(""))).toEqual([]);
    expect(await store.stat("repository.json")).toBeUndefined();
    await store.delete("repository.json");
    await store.put("repository.json", Buffer.from("{}"));
    expect((await collect(store.list(""))).map((e) => e.key)).toEqual(["repository.json"]);
  });

  it("says which credentials were refused, never showing the secret", async () => {
    const secretKey = `not-the-key-${randomBytes(6).toString("hex")}`;
    const store = createS3ObjectStore({ ...s3TestOptions(env, BUCKET, "denied"), secretKey });
    const error = await store.put("x", Buffer.from("x")).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StoreAccessDeniedError);
    expect((error as Error).message).toMatch(
      /denied access to bucket "kubedump-s3-store" \((AccessDenied|SignatureDoesNotMatch)\): check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/,
    );
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain(secretKey);
  });

  it("gives up on a closed port after its retries, saying it cannot reach the endpoint", async () => {
    const delays: number[] = [];
    const sleep = async (ms: number) => void delays.push(ms);
    const store = createS3ObjectStore({
      ...s3TestOptions(env, BUCKET, "closed"),
      endpoint: "http://127.0.0.1:1",
      retry: { attempts: 3, baseDelayMs: 10, sleep },
    });
    const error = await store.getBuffer("repository.json").catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StoreUnreachableError);
    expect((error as Error).message).toMatch(/^cannot reach the object store at http:\/\/127\.0\.0\.1:1: ECONNREFUSED/);
    expect(delays).toHaveLength(2);
  });

  it("cuts a connection that stays silent and reports the store as unreachable", async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket)); // accepts, never answers
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = silent.address() as { port: number };
      const store = createS3ObjectStore({
        ...s3TestOptions(env, BUCKET, "silent"),
        endpoint: `http://127.0.0.1:${port}`,
        idleTimeoutMs: 200,
      });
      const error = await store.stat("repository.json").catch((err: unknown) => err);
      expect(error).toBeInstanceOf(StoreUnreachableError);
      expect((error as Error).message).toMatch(/ETIMEDOUT \(no response for 0\.2 s\)/);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  describe("behind a proxy that resets the first connection and answers 503 on the second", () => {
    let proxy: Server;
    let tricks = 0;
    const open: Socket[] = [];

    beforeAll(async () => {
      const target = new URL(env.s3Endpoint);
      proxy = createServer((socket) => {
        open.push(socket);
        tricks += 1;
        if (tricks === 1) {
          socket.resetAndDestroy();
          return;
        }
        if (tricks === 2) {
          socket.end("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
          return;
        }
        const upstream = connect(Number(target.port), target.hostname);
        open.push(upstream);
        socket.pipe(upstream).pipe(socket);
        socket.on("error", () => upstream.destroy());
        upstream.on("error", () => socket.destroy());
      });
      await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    });

    afterAll(async () => {
      for (const socket of open) socket.destroy(); // the client keeps idle connections alive
      await new Promise((resolve) => proxy.close(resolve));
    });

    it("retries the transient failures and succeeds", async () => {
      const address = proxy.address() as { port: number };
      const options: S3ObjectStoreOptions = {
        ...s3TestOptions(env, BUCKET, "flaky"),
        endpoint: `http://127.0.0.1:${address.port}`,
        retry: { attempts: 4, baseDelayMs: 10 },
      };
      const store = createS3ObjectStore(options);
      await store.put("k", Buffer.from("through a flaky network"));
      expect((await store.getBuffer("k")).toString()).toBe("through a flaky network");
      expect(tricks).toBeGreaterThanOrEqual(3);
    });
  });
});

describe("S3ObjectStore on MinIO served over TLS with a self-signed CA", () => {
  let dir: string;
  let minio: Minio;
  let caPem: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kubedump-tls-test-"));
    const pki = createPki(dir, "kubedump-test-s3-ca");
    const cert = pki.issue("minio", { cn: "minio", sans: ["127.0.0.1", "localhost"] });
    caPem = pki.ca.certPem;
    minio = await startMinio(dir, { tls: { certPem: cert.certPem, keyPem: cert.keyPem, caPem } });
  });

  afterAll(async () => {
    await minio?.process.stop();
    await rm(dir, { recursive: true, force: true });
  });

  function options(extra: Partial<S3ObjectStoreOptions>): S3ObjectStoreOptions {
    return {
      endpoint: minio.endpoint,
      accessKey: minio.accessKey,
      secretKey: minio.secretKey,
      bucket: "kubedump-tls",
      prefix: randomBytes(4).toString("hex"),
      ...extra,
    };
  }

  it.each([
    ["PEM", () => caPem],
    ["base64 of PEM, as a Secret's data holds it", () => Buffer.from(caPem).toString("base64")],
  ])("works with the CA given as CA_CERT_DATA (%s)", async (_label, ca) => {
    const store = createS3ObjectStore(options({ caCert: ca() }));
    await store.put("repository.json", Buffer.from("{}"));
    expect((await collect(store.list(""))).map((e) => e.key)).toEqual(["repository.json"]);
  });

  it("fails with an error naming the untrusted certificate when the CA is not given", async () => {
    const store = createS3ObjectStore(options({}));
    const error = await store.put("repository.json", Buffer.from("{}")).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StoreUnreachableError);
    expect((error as Error).message).toBe(
      `cannot reach the object store at ${minio.endpoint}: TLS certificate not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE): ` +
        "give the CA that signed it as CA_CERT_DATA, or set insecureTLS for a test setup",
    );
  });

  it("puts a Buffer unsigned, guarded by its Content-MD5, where TLS protects the payload", async () => {
    const store = createS3ObjectStore(options({ caCert: caPem, partSize: 5 * 1024 * 1024 }));
    const body = randomBytes(6 * 1024 * 1024);
    // over HTTPS the payload is not signed, so a caller's sha256 is not sent (nor needed)
    await store.put("pack", body, { sha256: createHash("sha256").update(body).digest("hex") });
    expect((await store.getBuffer("pack")).equals(body)).toBe(true);
  });

  it("works without the CA when insecureTLS is set", async () => {
    const store = createS3ObjectStore(options({ insecureTLS: true }));
    await store.put("k", Buffer.from("x"));
    expect((await store.getBuffer("k")).toString()).toBe("x");
  });
});
