import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import type { ObjectStore } from "@kubedump/repository";
import { readPack } from "@kubedump/repository/format2";
import { createS3ObjectStore } from "@kubedump/repository/s3";
import { filePaths, findSecrets, kubeHttp, runLogDir, type SecretValue, s3StoreOptions } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createRepositoryAt, kubedumpCli, s3Env, s3RepoUrl } from "./faults-net-env.js";
import { createRestoreSession, E2E_BUCKET, getObj, type Stack, startStack, waitForRestoreSession } from "./harness.js";
import { testNamespace } from "./test-namespace.js";

// Item 11 of the fault suite: Secrets with marker values go through backups (an encrypted and a
// plain repository, and one with a wrong password), a RestoreSession and the CLI's commands; no
// marker may show in any log of the run, any CLI output or any Event, nor in plaintext in the
// encrypted repository's objects. The plain repository is the control: there the scan finds them.

const t = inject("testenv");
const e2e = testNamespace(t, "fn-sec");
const APP = "fn-sec-app";
const MARK = randomBytes(6).toString("hex");
const PASSWORD = `enc-${MARK}-pass`;
const WRONG = `wrong-${MARK}-pass`;
const APP_SECRET = {
  password: `pw-${MARK}-app`,
  token: `tok-${MARK}-app`,
  "tls.key": `-----BEGIN PRIVATE KEY-----\nkey-${MARK}-line\n-----END PRIVATE KEY-----\n`,
};
const markers: SecretValue[] = [
  ...Object.entries(APP_SECRET).map(([key, value]) => ({ value, from: `${APP}/app-credentials ${key}` })),
  { value: PASSWORD, from: `${e2e.ns}/s3-secret ENCRYPTION_PASSWORD` },
  { value: WRONG, from: `${e2e.ns}/s3-wrong ENCRYPTION_PASSWORD` },
];
let stack: Stack;

const secret = (ns: string, name: string, stringData: Record<string, string>) =>
  kubeHttp(t, `/api/v1/namespaces/${ns}/secrets`, { body: { metadata: { name }, stringData } });

beforeAll(async () => {
  await e2e.setup({ password: PASSWORD });
  await kubeHttp(t, "/api/v1/namespaces", { body: { metadata: { name: APP } } });
  expect((await secret(APP, "app-credentials", APP_SECRET)).status).toBe(201);
  await secret(e2e.ns, "s3-plain", s3Env(t));
  await secret(e2e.ns, "s3-wrong", { ...s3Env(t), ENCRYPTION_PASSWORD: WRONG });
  await createRepositoryAt(t, e2e.ns, "plain", t.s3Endpoint, `${e2e.prefix}-plain`, "s3-plain");
  await createRepositoryAt(t, e2e.ns, "wrong", t.s3Endpoint, e2e.prefix, "s3-wrong");
  const target = { ref: { apiVersion: "v1", kind: "Namespace", name: APP } };
  for (const [config, repository] of [
    ["enc", "repo"],
    ["plain", "plain"],
    ["wrong", "wrong"],
  ])
    await e2e.createConfig(config!, { schedule: "0 0 1 1 *", repository: { name: repository }, target });
  stack = await startStack(e2e);
}, 300_000);
afterAll(async () => {
  await stack?.stop();
});

/** Every object below a prefix of the bucket, as stored and, where it gunzips, decompressed. */
/** A format-2 pack's blobs, inflated, read without a key: none when the pack is encrypted. */
async function packBlobs(store: ObjectStore, key: string): Promise<{ key: string; text: string }[]> {
  const id = /^data\/[0-9a-f]{2}\/([0-9a-f]{64})$/.exec(key)?.[1];
  if (!id) return [];
  try {
    const pack = await readPack({ store, keys: null }, id);
    return pack.entries.map((e) => ({ key: `${key} (blob ${e.id})`, text: pack.blob(e).toString("utf8") }));
  } catch {
    return []; // sealed: encrypted
  }
}

async function bucketTexts(prefix: string): Promise<{ key: string; text: string }[]> {
  const store = createS3ObjectStore(s3StoreOptions(t, E2E_BUCKET, prefix));
  const out: { key: string; text: string }[] = [];
  for await (const { key } of store.list("")) {
    const bytes = await store.getBuffer(key);
    out.push({ key, text: bytes.toString("latin1") });
    try {
      out.push({ key: `${key} (gunzipped)`, text: gunzipSync(bytes).toString("utf8") });
    } catch {
      // not gzip: a format-2 pack, encrypted, or JSON
    }
    out.push(...(await packBlobs(store, key)));
  }
  return out;
}

describe("faults: Secrets", () => {
  it("their values appear in no service log, CLI output or Event of backups, restores and failures", {
    timeout: 300_000,
  }, async () => {
    // "enc" and "wrong" share one location: the first backup there initializes the repository with
    // its password, so "enc" goes first and "wrong" then finds the repository and is refused.
    await e2e.createSession("enc-now", "enc");
    const enc = await e2e.waitForSession("enc-now");
    for (const config of ["plain", "wrong"]) await e2e.createSession(`${config}-now`, config);
    const [plain, wrong] = await Promise.all(["plain", "wrong"].map((c) => e2e.waitForSession(`${c}-now`)));
    expect([enc!.status.phase, plain!.status.phase, wrong!.status.phase]).toEqual(["Succeeded", "Succeeded", "Failed"]);
    await createRestoreSession(t, e2e.ns, "r1", {
      backupConfiguration: "enc",
      includeResources: ["secrets", "namespaces"],
      namespaceMappings: [{ from: APP, to: "fn-sec-restored" }],
    });
    expect((await waitForRestoreSession(t, e2e.ns, "r1")).status.phase).toBe("Succeeded");
    const restored = await getObj(t, "/api/v1/namespaces/fn-sec-restored/secrets/app-credentials");
    expect(Buffer.from(restored?.data.password, "base64").toString()).toBe(APP_SECRET.password);

    const repo = s3RepoUrl(t, e2e.prefix);
    const env = { KUBECONFIG: t.kubeconfig, ...s3Env(t), ENCRYPTION_PASSWORD: PASSWORD };
    const backup = await kubedumpCli(["backup", "--namespace", APP, "--repo", repo, "-o", "json"], env);
    expect(backup.code, backup.stderr).toBe(0);
    const id = JSON.parse(backup.stdout).id as string;
    const to = mkdtempSync(join(tmpdir(), "kubedump-fn-sec-"));
    const runs = [
      backup,
      await kubedumpCli(["snapshots", "--repo", repo], env),
      await kubedumpCli(["show", id, "--repo", repo], env),
      await kubedumpCli(["verify", id, "--repo", repo], env),
      await kubedumpCli(["download", id, "--to", to, "--repo", repo], env),
      await kubedumpCli(["restore", id, "--namespace-mappings", `${APP}:fn-sec-cli`, "--repo", repo], env),
      await kubedumpCli(
        ["restore", id, "--namespace-mappings", `${APP}:fn-sec-cli`, "-o", "json", "--repo", repo],
        env,
      ),
    ];
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    const refused = await kubedumpCli(["snapshots", "--repo", repo], { ...env, ENCRYPTION_PASSWORD: WRONG });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/password/i);
    // The control: the downloaded Secret holds the values, so the scan can see them where they are.
    const downloaded = filePaths(to).find((f) => f.endsWith("secrets/app-credentials.yaml"))!;
    expect(findSecrets(readFileSync(downloaded, "utf8"), markers, "download").length).toBeGreaterThanOrEqual(3);
    rmSync(to, { recursive: true, force: true });

    const logs = filePaths(runLogDir(t));
    const mine = logs.filter((f) => f.includes(`/${e2e.ns}-`) || f.includes("/cli/"));
    expect(mine.length).toBeGreaterThanOrEqual(4 + runs.length);
    const texts = [
      ...logs.map((f) => ({ where: f, text: readFileSync(f, "utf8") })),
      ...[...runs, refused].map((r, i) => ({ where: `CLI run ${i}`, text: r.stdout + r.stderr })),
      ...(
        ((await kubeHttp(t, "/api/v1/events")).body.items ?? []) as { message?: string; metadata: { name: string } }[]
      ).map((e) => ({ where: `Event ${e.metadata.name}`, text: e.message ?? "" })),
    ];
    const worker = texts.find((x) => x.where.endsWith(`dump-worker-0.log`) && x.where.includes(`/${e2e.ns}-`));
    expect(worker?.text).toContain('"msg":"snapshot committed"');
    console.info(`Secrets: ${markers.length} markers looked for in ${texts.length} logs, outputs and Events`);
    expect(texts.flatMap((x) => findSecrets(x.text, markers, x.where))).toEqual([]);
  });

  it("their values are not in the encrypted repository's objects in any form; in the plain one they are", async () => {
    const encrypted = await bucketTexts(e2e.prefix);
    // Format 2 (the default): the objects are blobs in packs under data/, sealed when encrypted.
    expect(encrypted.filter((o) => o.key.startsWith("data/")).length).toBeGreaterThanOrEqual(1);
    expect(encrypted.filter((o) => o.key.endsWith("(gunzipped)") || o.key.includes("(blob "))).toEqual([]);
    expect(encrypted.flatMap((o) => findSecrets(o.text, markers, o.key))).toEqual([]);
    const plain = await bucketTexts(`${e2e.prefix}-plain`);
    const found = plain.flatMap((o) => findSecrets(o.text, markers, o.key));
    expect(new Set(found.map((f) => f.secret))).toEqual(new Set(markers.slice(0, 3).map((m) => m.from)));
  });
});
