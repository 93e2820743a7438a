import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { request } from "node:https";
import { promisify } from "node:util";
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { Client as MinioClient } from "minio";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { VERSIONS } from "./binaries.js";
import { kubeHttp } from "./kube-http.js";

const run = promisify(execFile);
const env = inject("testenv");
const api = (path: string, opts?: Parameters<typeof kubeHttp>[2]) => kubeHttp(env, path, opts);

describe("kube-apiserver", () => {
  it("reports the pinned release at /version", async () => {
    const res = await api("/version");
    expect(res.status).toBe(200);
    expect(res.body.gitVersion).toBe(VERSIONS["kube-apiserver"]);
    expect(res.body.minor).toBe(VERSIONS["kube-apiserver"].split(".")[1]);
  });

  describe("a CRD with a structural schema", () => {
    const group = "testenv.kubedump.io";
    const ns = "testenv-crd";
    const base = `/apis/${group}/v1/namespaces/${ns}/widgets`;

    beforeAll(async () => {
      await api("/api/v1/namespaces", { body: { metadata: { name: ns } } });
      const crd = {
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        metadata: { name: `widgets.${group}` },
        spec: {
          group,
          scope: "Namespaced",
          names: { plural: "widgets", singular: "widget", kind: "Widget", listKind: "WidgetList" },
          versions: [
            {
              name: "v1",
              served: true,
              storage: true,
              schema: {
                openAPIV3Schema: {
                  type: "object",
                  properties: {
                    spec: {
                      type: "object",
                      required: ["size"],
                      properties: {
                        size: { type: "integer", minimum: 1 },
                        color: { type: "string", enum: ["red", "blue"] },
                      },
                    },
                  },
                },
              },
            },
          ],
        },
      };
      const created = await api("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", { body: crd });
      expect([201, 409]).toContain(created.status);
      for (let i = 0; i < 100; i++) {
        const got = await api(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.${group}`);
        const established = got.body.status?.conditions?.find((c: { type: string }) => c.type === "Established");
        if (established?.status === "True") break;
        await new Promise((r) => setTimeout(r, 100));
      }
      // Discovery of a new group can lag Established by a moment.
      for (let i = 0; i < 100 && (await api(base)).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
    });

    it("rejects an invalid object with 422 naming the field", async () => {
      const res = await api(base, {
        body: {
          apiVersion: `${group}/v1`,
          kind: "Widget",
          metadata: { name: "bad" },
          spec: { size: 0, color: "green" },
        },
      });
      expect(res.status).toBe(422);
      expect(res.body.message).toContain("spec.size");
      expect(res.body.message).toContain("spec.color");
    });

    it("lists valid objects with limit/continue and delivers a creation through a watch", async () => {
      for (let i = 0; i < 7; i++) {
        const res = await api(base, {
          body: { apiVersion: `${group}/v1`, kind: "Widget", metadata: { name: `w${i}` }, spec: { size: i + 1 } },
        });
        expect(res.status).toBe(201);
      }
      const names: string[] = [];
      let cont = "";
      let pages = 0;
      do {
        const res = await api(`${base}?limit=3${cont ? `&continue=${encodeURIComponent(cont)}` : ""}`);
        expect(res.status).toBe(200);
        names.push(...res.body.items.map((o: { metadata: { name: string } }) => o.metadata.name));
        cont = res.body.metadata.continue ?? "";
        pages++;
      } while (cont);
      expect(pages).toBe(3);
      expect(names.sort()).toEqual(["w0", "w1", "w2", "w3", "w4", "w5", "w6"]);

      const rv = (await api(`${base}?limit=1`)).body.metadata.resourceVersion;
      const event = watchFirst(`${base}?watch=true&resourceVersion=${rv}`);
      await api(base, {
        body: { apiVersion: `${group}/v1`, kind: "Widget", metadata: { name: "watched" }, spec: { size: 3 } },
      });
      const ev = await event;
      expect(ev.type).toBe("ADDED");
      expect(ev.object.metadata.name).toBe("watched");
    });
  });

  it("denies a ServiceAccount token without RBAC grants with 403", async () => {
    const ns = "testenv-rbac";
    await api("/api/v1/namespaces", { body: { metadata: { name: ns } } });
    await api(`/api/v1/namespaces/${ns}/serviceaccounts`, { body: { metadata: { name: "nobody" } } });
    const tr = await api(`/api/v1/namespaces/${ns}/serviceaccounts/nobody/token`, {
      body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: 600 } },
    });
    expect(tr.status).toBe(201);
    const token: string = tr.body.status.token;
    const who = await api("/apis/authentication.k8s.io/v1/selfsubjectreviews", {
      token,
      body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
    });
    expect(who.body.status.userInfo.username).toBe(`system:serviceaccount:${ns}:nobody`);
    const denied = await api(`/api/v1/namespaces/${ns}/secrets`, { token });
    expect(denied.status).toBe(403);
    expect(denied.body.message).toContain('cannot list resource "secrets"');
  });

  it("answers kubectl and helm with the env file's values", async () => {
    const kenv = { ...process.env, KUBECONFIG: env.kubeconfig };
    const { stdout } = await run(env.kubectl, ["get", "namespaces", "-o", "name"], { env: kenv });
    expect(stdout.split("\n")).toContain("namespace/kube-system");
    const version = await run(env.kubectl, ["version", "-o", "json"], { env: kenv });
    expect(JSON.parse(version.stdout).serverVersion.gitVersion).toBe(VERSIONS["kube-apiserver"]);
    const helm = await run(env.helm, ["version", "--short"], { env: kenv });
    expect(helm.stdout.trim()).toMatch(new RegExp(`^${VERSIONS.helm.replaceAll(".", "\\.")}`));
  });
});

describe("MinIO", () => {
  it("takes a 64 MiB multipart upload through the minio client and returns the same bytes", async () => {
    const u = new URL(env.s3Endpoint);
    const client = new MinioClient({
      endPoint: u.hostname,
      port: Number(u.port),
      useSSL: false,
      accessKey: env.accessKey,
      secretKey: env.secretKey,
      pathStyle: true,
      partSize: 16 * 1024 * 1024,
    });
    const bucket = `testenv-${randomBytes(4).toString("hex")}`;
    await client.makeBucket(bucket, "us-east-1");
    const data = randomBytes(64 * 1024 * 1024);
    const { Readable } = await import("node:stream");
    await client.putObject(bucket, "big.bin", Readable.from(chunks(data, 1 << 20)), data.length);
    const stat = await client.statObject(bucket, "big.bin");
    expect(stat.size).toBe(data.length);
    expect(stat.etag).toMatch(/-4$/); // four 16 MiB parts
    const hash = createHash("sha256");
    for await (const chunk of await client.getObject(bucket, "big.bin")) hash.update(chunk as Buffer);
    expect(hash.digest("hex")).toBe(createHash("sha256").update(data).digest("hex"));
  });
});

describe("Redis", () => {
  it("runs a BullMQ job", async () => {
    const connection = new Redis(env.redisUrl, { maxRetriesPerRequest: null });
    const prefix = `testenv-${randomBytes(4).toString("hex")}`;
    const queue = new Queue("square", { connection, prefix });
    const worker = new Worker<{ n: number }, number>("square", async (job) => job.data.n * job.data.n, {
      connection,
      prefix,
    });
    try {
      const done = new Promise<number>((resolve) => worker.on("completed", (_job, result) => resolve(result)));
      await queue.add("sq", { n: 12 });
      expect(await done).toBe(144);
    } finally {
      await worker.close();
      await queue.close();
      connection.disconnect();
    }
  });
});

function* chunks(buf: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

// biome-ignore lint/suspicious/noExplicitAny: a raw watch event
function watchFirst(path: string): Promise<any> {
  return new Promise((done, fail) => {
    const req = request(
      new URL(path, env.kubeApiUrl),
      { ca: env.caPem, cert: env.adminCertPem, key: env.adminKeyPem },
      (res) => {
        let buf = "";
        res.on("data", (c: Buffer) => {
          buf += c.toString();
          const nl = buf.indexOf("\n");
          if (nl >= 0) {
            done(JSON.parse(buf.slice(0, nl)));
            req.destroy();
          }
        });
      },
    );
    req.on("error", (err) => (err.message.includes("aborted") ? undefined : fail(err)));
    req.setTimeout(30_000, () => fail(new Error("no watch event within 30 s")));
    req.end();
  });
}
