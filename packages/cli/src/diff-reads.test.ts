// `kubedump diff` on an S3 repository on the test environment's MinIO, through a logging HTTP proxy:
// the GETs it sends show that only the parts holding changed objects are read.
import { randomBytes } from "node:crypto";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { takeSnapshot } from "@kubedump/dump";
import { createKubeClient } from "@kubedump/kube";
import { openRepository, type Repository } from "@kubedump/repository";
import type { IndexRecord } from "@kubedump/repository/archive";
import { createS3ObjectStore } from "@kubedump/repository/s3";
import type { SnapshotManifest } from "@kubedump/repository/snapshot";
import { s3StoreOptions, seedCluster } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { kubedump } from "./test-support.js";

const env = inject("testenv");
const BUCKET = "kubedump-cli-diff";
const client = createKubeClient({ kubeconfig: env.kubeconfig });
const prefix = `reads-${randomBytes(4).toString("hex")}`;
const requests: string[] = [];
let proxy: Server;
let repository: Repository;
let shop: string;

/** Forwards every request to MinIO as it came (the Host header too, which the signature covers), logging it. */
function startProxy(target: URL): Promise<Server> {
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${decodeURIComponent(req.url ?? "")}`);
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

beforeAll(async () => {
  shop = (await seedCluster(env, "crd")).namespaces.shop;
  proxy = await startProxy(new URL(env.s3Endpoint));
  // Format 1: parts are per snapshot, so which of them a diff reads shows what it read.
  repository = await openRepository({ format: 1, store: createS3ObjectStore(s3StoreOptions(env, BUCKET, prefix)) });
});
afterAll(() => {
  client.close();
  proxy.close();
});

/** A namespace backup with one object per part. */
async function backup(): Promise<SnapshotManifest> {
  const options = { scope: { type: "namespace" as const, namespace: shop } };
  const input = { options, source: { kind: "cli" as const }, maxPartBytes: 1 };
  return (await takeSnapshot({ client, repository }, input)).manifest;
}

async function partOf(id: string, path: string): Promise<string> {
  const records: IndexRecord[] = [];
  for await (const r of repository.readIndex(id)) records.push(r);
  const n = records.find((r) => r.path === path)?.part;
  return `${id}/parts/${String(n).padStart(5, "0")}.tar.gz`;
}

async function diff(args: string[]) {
  requests.length = 0;
  const { port } = proxy.address() as AddressInfo;
  const repo = `s3://${BUCKET}/${prefix}?endpoint=${encodeURIComponent(`http://127.0.0.1:${port}`)}&region=us-east-1`;
  const result = await kubedump(["diff", ...args, "--repo", repo], {
    KUBECONFIG: env.kubeconfig,
    AWS_ACCESS_KEY_ID: env.accessKey,
    AWS_SECRET_ACCESS_KEY: env.secretKey,
  });
  const parts = requests
    .filter((r) => r.startsWith("GET ") && r.includes("/parts/"))
    .map((r) => r.split("/snapshots/")[1]);
  return { ...result, parts };
}

describe("kubedump diff reads only the parts holding changed objects", () => {
  let a: SnapshotManifest;
  let b: SnapshotManifest;
  const changed = () => `namespaces/${shop}/configmaps/web-config.yaml`;

  it("between two snapshots: one part of each, of the ten", async () => {
    a = await backup();
    await client.patch(`/api/v1/namespaces/${shop}/configmaps/web-config`, { data: { size: "xl" } });
    b = await backup();
    expect([a.parts.length, b.parts.length]).toEqual([10, 10]);
    const result = await diff([a.id, b.id]);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toContain(`+++ ${b.id}/${changed()}\n`);
    expect(result.parts).toEqual([await partOf(a.id, changed()), await partOf(b.id, changed())]);
    expect(requests.some((r) => r.startsWith("GET ") && r.includes(`${a.id}/index.json.gz`))).toBe(true);
  });

  it("with --stat: no part at all", async () => {
    const result = await diff([a.id, b.id, "--stat"]);
    expect(result.code).toBe(1);
    expect(result.parts).toEqual([]);
  });

  it("against the cluster: the snapshot's part of the object that changed since, nothing else", async () => {
    await client.patch(`/api/v1/namespaces/${shop}/configmaps/web-config`, { data: { size: "s" } });
    const result = await diff([b.id, "--live", "-o", "json"]);
    expect(result.code, result.stderr).toBe(1);
    const parsed = JSON.parse(result.stdout) as { objects: { change: string; path: string }[] };
    expect(parsed.objects.map((o) => [o.change, o.path])).toEqual([["changed", changed()]]);
    expect(result.parts).toEqual([await partOf(b.id, changed())]);
  });
});
