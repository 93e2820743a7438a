import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { kubeHttp } from "@kubedump/testenv";
import { load } from "js-yaml";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { validateBackupConfiguration } from "./backup-configuration.js";
import { validateBackupSession } from "./backup-session.js";
import { API_VERSION, type KubedumpKind, RESOURCES } from "./constants.js";
import { type CustomResourceDefinition, generateCrdFiles } from "./crds.js";
import { validateRepository } from "./repository.js";
import { validateRestoreSession } from "./restore-session.js";
import {
  backupConfigurationFixture,
  backupSessionFixture,
  mergePatch,
  repositoryFixture,
  restoreSessionFixture,
} from "./test-fixtures.js";
import type { Validation } from "./validation.js";

const env = inject("testenv");
const api = (path: string, opts?: Parameters<typeof kubeHttp>[2]) => kubeHttp(env, path, opts);
const run = promisify(execFile);
const kubectl = (...args: string[]) => run(env.kubectl, ["--kubeconfig", env.kubeconfig, ...args]);

const NS = "api-crds-test";
const CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
const collection = (kind: KubedumpKind) => `/apis/${API_VERSION}/namespaces/${NS}/${RESOURCES[kind].plural}`;
const LOCK = { mode: "GOVERNANCE", retention: "720h" };
const LOCAL = { backend: { s3: null, local: { path: "/backups" } }, storageSecretName: null };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const KINDS: Record<KubedumpKind, { fixture: () => object; validate: (obj: unknown) => Validation<unknown> }> = {
  Repository: { fixture: () => repositoryFixture(NS), validate: validateRepository },
  BackupConfiguration: { fixture: () => backupConfigurationFixture(NS), validate: validateBackupConfiguration },
  BackupSession: { fixture: () => backupSessionFixture(NS), validate: validateBackupSession },
  RestoreSession: { fixture: () => restoreSessionFixture(NS), validate: validateRestoreSession },
};

/** Creates the CRD, or replaces the one a previous run or another test installed. */
async function applyCrd(crd: CustomResourceDefinition): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const created = await api(CRDS, { body: crd });
    if (created.status === 201) return;
    if (created.status !== 409) throw new Error(`creating ${crd.metadata.name}: ${created.status} ${created.text}`);
    const current = await api(`${CRDS}/${crd.metadata.name}`);
    const metadata = { ...crd.metadata, resourceVersion: current.body.metadata.resourceVersion };
    const replaced = await api(`${CRDS}/${crd.metadata.name}`, { method: "PUT", body: { ...crd, metadata } });
    if (replaced.status === 200) return;
    if (replaced.status !== 409) throw new Error(`replacing ${crd.metadata.name}: ${replaced.status} ${replaced.text}`);
  }
  throw new Error(`${crd.metadata.name} kept changing under us`);
}

async function waitUntilServed(crd: CustomResourceDefinition): Promise<void> {
  const kind = crd.spec.names.kind as KubedumpKind;
  for (let i = 0; i < 300; i++) {
    const got = await api(`${CRDS}/${crd.metadata.name}`);
    const established = got.body.status?.conditions?.some(
      (c: { type: string; status: string }) => c.type === "Established" && c.status === "True",
    );
    // Discovery of a new group can lag Established by a moment.
    if (established && (await api(collection(kind))).status === 200) return;
    await sleep(100);
  }
  throw new Error(`${crd.metadata.name} was not served within 30 s`);
}

/** Rows of `kubectl get` output, cut at the columns of the header (cells may be empty). */
function parseTable(stdout: string): Record<string, string>[] {
  const [header = "", ...lines] = stdout.trimEnd().split("\n");
  const columns = [...header.matchAll(/\S+( \S+)*/g)].map((m) => ({ name: m[0], start: m.index }));
  return lines.map((line) =>
    Object.fromEntries(
      columns.map((col, i) => [col.name, line.slice(col.start, columns[i + 1]?.start ?? line.length).trim()]),
    ),
  );
}

beforeAll(async () => {
  const ns = await api("/api/v1/namespaces", { body: { metadata: { name: NS } } });
  expect([201, 409]).toContain(ns.status);
  const crds = generateCrdFiles().map((file) => load(file.text) as CustomResourceDefinition);
  for (const crd of crds) await applyCrd(crd);
  await Promise.all(crds.map(waitUntilServed));
});

describe("the generated CRDs on a real API server", () => {
  it.each([
    [
      "BackupConfiguration",
      "a negative keepLast",
      "spec.retentionPolicy.keepLast",
      { spec: { retentionPolicy: { keepLast: -1 } } },
    ],
    ["BackupConfiguration", "a 4-field schedule", "spec.schedule", { spec: { schedule: "0 2 * *" } }],
    ["BackupConfiguration", "a timeOut without unit", "spec.timeOut", { spec: { timeOut: "30" } }],
    [
      "BackupConfiguration",
      "an unknown param",
      "spec.task.params[0].name",
      { spec: { task: { params: [{ name: "foo", value: "1" }] } } },
    ],
    [
      "BackupConfiguration",
      "a bad sanitize value",
      "spec.task.params[0].value",
      { spec: { task: { params: [{ name: "sanitize", value: "yes" }] } } },
    ],
    [
      "BackupConfiguration",
      "a duplicate param",
      "spec.task.params[1]",
      {
        spec: {
          task: {
            params: [
              { name: "sanitize", value: "true" },
              { name: "sanitize", value: "false" },
            ],
          },
        },
      },
    ],
    [
      "BackupConfiguration",
      "a namespace on a Namespace target",
      "spec.target.ref.namespace",
      { spec: { target: { ref: { namespace: "x" } } } },
    ],
    [
      "BackupConfiguration",
      "a policy that keeps nothing",
      "spec.retentionPolicy",
      {
        spec: {
          retentionPolicy: { keepLast: 0, keepDaily: null, keepWeekly: null, keepMonthly: null, keepYearly: null },
        },
      },
    ],
    ["BackupConfiguration", "a missing repository", "spec.repository", { spec: { repository: null } }],
    ["Repository", "both s3 and local", "spec.backend", { spec: { backend: { local: { path: "/backups" } } } }],
    ["Repository", "neither s3 nor local", "spec.backend", { spec: { backend: { s3: null } } }],
    ["Repository", "s3 without storageSecretName", "spec.storageSecretName", { spec: { storageSecretName: null } }],
    [
      "Repository",
      "a bucket with capitals",
      "spec.backend.s3.bucket",
      { spec: { backend: { s3: { bucket: "Backups" } } } },
    ],
    ["Repository", "an objectLock mode", "spec.objectLock.mode", { spec: { objectLock: { ...LOCK, mode: "LEGAL" } } }],
    [
      "Repository",
      "a retention in days",
      "spec.objectLock.retention",
      { spec: { objectLock: { ...LOCK, retention: "30d" } } },
    ],
    [
      "Repository",
      "a retention of 0s",
      "spec.objectLock.retention",
      { spec: { objectLock: { ...LOCK, retention: "0s" } } },
    ],
    ["Repository", "objectLock on a local backend", "spec.objectLock", { spec: { ...LOCAL, objectLock: LOCK } }],
    ["BackupSession", "another invoker kind", "spec.invoker.kind", { spec: { invoker: { kind: "BackupBatch" } } }],
  ] as const)("rejects a %s with %s, with 422 naming %s, as zod does", async (kind, _name, field, patch) => {
    const obj = mergePatch(KINDS[kind].fixture(), { metadata: { name: "invalid" }, ...patch });
    const res = await api(collection(kind), { body: obj });
    expect(res.status, res.text).toBe(422);
    expect(res.body.message).toContain(`${field}:`);
    const local = KINDS[kind].validate(obj);
    expect(
      local.ok ? [] : local.errors.filter((e) => e.startsWith(`${field}:`) || e.startsWith(`${field}.`)),
    ).not.toEqual([]);
  });

  it("accepts a Repository with objectLock, and says why one on a local backend is refused", async () => {
    const obj = mergePatch(repositoryFixture(NS), { metadata: { name: "locked" }, spec: { objectLock: LOCK } });
    const res = await api(collection("Repository"), { body: obj });
    expect(res.status, res.text).toBe(201);
    expect(res.body.spec.objectLock).toEqual(LOCK);
    const local = mergePatch(repositoryFixture(NS), {
      metadata: { name: "local-lock" },
      spec: { ...LOCAL, objectLock: LOCK },
    });
    const refused = await api(collection("Repository"), { body: local });
    expect(refused.body.message).toMatch(/spec\.objectLock: Invalid value: .*objectLock needs an s3 backend/);
  });

  it("rejects both s3 and local with the message of the rule", async () => {
    const obj = mergePatch(repositoryFixture(NS), {
      metadata: { name: "both" },
      spec: { backend: { local: { path: "/b" } } },
    });
    const res = await api(collection("Repository"), { body: obj });
    expect(res.status).toBe(422);
    expect(res.body.message).toMatch(/spec\.backend: Invalid value: .*exactly one of s3 or local must be set/);
  });

  it.each(Object.keys(KINDS) as KubedumpKind[])(
    "accepts a valid %s, which still validates after the round trip",
    async (kind) => {
      const res = await api(collection(kind), { body: KINDS[kind].fixture() });
      expect(res.status, res.text).toBe(201);
      expect(KINDS[kind].validate(res.body)).toMatchObject({ ok: true });
    },
  );

  it("fills in the schema defaults of a minimal BackupConfiguration", async () => {
    const minimal = {
      apiVersion: API_VERSION,
      kind: "BackupConfiguration",
      metadata: { name: "minimal", namespace: NS },
      spec: { repository: { name: "s3-repo" }, schedule: "@daily", task: {}, retryConfig: { maxRetry: 1 } },
    };
    const res = await api(collection("BackupConfiguration"), { body: minimal });
    expect(res.status, res.text).toBe(201);
    expect(res.body.spec).toEqual({
      repository: { name: "s3-repo" },
      schedule: "@daily",
      timeZone: "UTC",
      paused: false,
      mode: "Scheduled",
      backupHistoryLimit: 3,
      task: { name: "kubedump-backup" },
      retryConfig: { maxRetry: 1, delay: "1m" },
    });
  });

  it("takes status through the subresource and shows it in the printer columns", async () => {
    const s3 = mergePatch(repositoryFixture(NS), { metadata: { name: "printed-s3" } });
    const local = mergePatch(repositoryFixture(NS), {
      metadata: { name: "printed-local" },
      spec: { backend: { s3: null, local: { path: "/backups" } }, storageSecretName: null },
    });
    for (const obj of [s3, local]) expect((await api(collection("Repository"), { body: obj })).status).toBe(201);
    const path = `${collection("Repository")}/printed-s3`;
    const current = await api(path);
    const status = { phase: "Ready", snapshotCount: 4, totalSize: "1.2 MiB", totalSizeBytes: 1258291, integrity: true };
    const updated = await api(`${path}/status`, { method: "PUT", body: { ...current.body, status } });
    expect(updated.status, updated.text).toBe(200);
    expect(updated.body.status).toEqual(status);

    const { stdout } = await kubectl("get", "kdrepo", "printed-s3", "printed-local", "-n", NS);
    expect(parseTable(stdout).map(({ AGE, ...cells }) => cells)).toEqual([
      {
        NAME: "printed-s3",
        PHASE: "Ready",
        BACKEND: "backups",
        SNAPSHOTS: "4",
        SIZE: "1.2 MiB",
        "LAST BACKUP": "",
        INTEGRITY: "true",
      },
      {
        NAME: "printed-local",
        PHASE: "",
        BACKEND: "/backups",
        SNAPSHOTS: "",
        SIZE: "",
        "LAST BACKUP": "",
        INTEGRITY: "",
      },
    ]);
  });

  it("lists all three kinds by short name and under the kubedump category", async () => {
    const objects = {
      Repository: mergePatch(repositoryFixture(NS), { metadata: { name: "category" } }),
      BackupConfiguration: mergePatch(backupConfigurationFixture(NS), { metadata: { name: "category" } }),
      BackupSession: mergePatch(backupSessionFixture(NS), { metadata: { name: "category" } }),
    };
    for (const [kind, obj] of Object.entries(objects)) {
      expect((await api(collection(kind as KubedumpKind), { body: obj })).status).toBe(201);
    }
    const byCategory = (await kubectl("get", "kubedump", "-n", NS, "-o", "name")).stdout.split("\n");
    const byShortName = (await kubectl("get", "kdrepo,kdbc,kdbs", "-n", NS, "-o", "name")).stdout.split("\n");
    for (const listed of [byCategory, byShortName]) {
      expect(listed).toEqual(
        expect.arrayContaining([
          "repository.kubedump.io/category",
          "backupconfiguration.kubedump.io/category",
          "backupsession.kubedump.io/category",
        ]),
      );
    }
  });
});
