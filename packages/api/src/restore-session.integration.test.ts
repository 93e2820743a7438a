import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { kubeHttp } from "@kubedump/testenv";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { installCrds } from "../../../test/e2e/harness.js";
import { API_VERSION } from "./constants.js";
import { LATEST_SNAPSHOT, validateRestoreSession } from "./restore-session.js";
import { mergePatch, restoreSessionFixture } from "./test-fixtures.js";

const env = inject("testenv");
const NS = "api-restore-session";
const run = promisify(execFile);
const api = (path: string, opts?: Parameters<typeof kubeHttp>[2]) => kubeHttp(env, path, opts);
const collection = `/apis/${API_VERSION}/namespaces/${NS}/restoresessions`;

beforeAll(async () => {
  await installCrds(env);
  const ns = await api("/api/v1/namespaces", { body: { metadata: { name: NS } } });
  expect([201, 409]).toContain(ns.status);
});

describe("the RestoreSession CRD on a real API server", () => {
  it.each([
    ["a snapshot that is no id", "spec.snapshot", { spec: { snapshot: "yesterday" } }],
    [
      "an unknown existingResourcePolicy",
      "spec.existingResourcePolicy",
      { spec: { existingResourcePolicy: "replace" } },
    ],
    ["no repository", "spec.repository", { spec: { repository: null } }],
    [
      "a mapping to a bad name",
      "spec.namespaceMappings[0].to",
      { spec: { namespaceMappings: [{ from: "a", to: "B_" }] } },
    ],
    [
      "a namespace mapped twice",
      "spec.namespaceMappings[1]",
      {
        spec: {
          namespaceMappings: [
            { from: "a", to: "b" },
            { from: "a", to: "c" },
          ],
        },
      },
    ],
    [
      "backupConfiguration with a snapshot id",
      "spec.backupConfiguration",
      { spec: { snapshot: "20261126T020000Z-3f9a1c00" } },
    ],
    ["a resource glob with capitals", "spec.includeResources[0]", { spec: { includeResources: ["Deployments"] } }],
  ] as const)("rejects %s with 422 naming %s, as zod does", async (_row, field, patch) => {
    const obj = mergePatch(restoreSessionFixture(NS), { metadata: { name: "invalid" }, ...patch });
    const res = await api(collection, { body: obj });
    expect(res.status, res.text).toBe(422);
    expect(res.body.message).toContain(`${field}:`);
    const local = validateRestoreSession(obj);
    expect(local.ok ? [] : local.errors.filter((e) => e.startsWith(field))).not.toEqual([]);
  });

  it("fills in the defaults of a minimal RestoreSession, which then validates", async () => {
    const minimal = {
      apiVersion: API_VERSION,
      kind: "RestoreSession",
      metadata: { name: "minimal", namespace: NS },
      spec: { repository: { name: "repo" } },
    };
    const res = await api(collection, { body: minimal });
    expect(res.status, res.text).toBe(201);
    expect(res.body.spec).toEqual({
      repository: { name: "repo" },
      snapshot: LATEST_SNAPSHOT,
      existingResourcePolicy: "none",
      dryRun: false,
      skipOwned: false,
    });
    expect(validateRestoreSession(res.body)).toMatchObject({ ok: true });
  });

  it("takes a status with counts and capped failures, shown by kubectl get kdrestore", async () => {
    const created = await api(collection, {
      body: mergePatch(restoreSessionFixture(NS), { metadata: { name: "shown" } }),
    });
    expect(created.status, created.text).toBe(201);
    const status = {
      phase: "PartiallySucceeded",
      snapshot: "20261126T020000Z-3f9a1c00",
      progress: {
        objects: 11,
        objectsDone: 10,
        pass: 2,
        step: "widgets.example.com",
        lastUpdateTime: "2026-11-26T02:04:05Z",
      },
      counts: { created: 7, updated: 0, unchanged: 0, exists: 1, skipped: 2, failed: 1 },
      failures: [{ type: "configmaps", namespace: "prod-copy", name: "big", reason: "too large" }],
      failuresTruncated: 0,
    };
    const res = await api(`${collection}/shown/status`, {
      method: "PATCH",
      body: { status },
      contentType: "application/merge-patch+json",
    });
    expect(res.status, res.text).toBe(200);
    expect(validateRestoreSession(res.body)).toMatchObject({ ok: true });
    const { stdout } = await run(env.kubectl, ["--kubeconfig", env.kubeconfig, "get", "kdrestore", "shown", "-n", NS]);
    const [header = "", line = ""] = stdout.trim().split("\n");
    const row = Object.fromEntries(header.split(/\s{2,}/).map((c, i) => [c, line.split(/\s{2,}/)[i]]));
    expect(row).toMatchObject({
      NAME: "shown",
      PHASE: "PartiallySucceeded",
      DONE: "10",
      OBJECTS: "11",
      CREATED: "7",
      FAILED: "1",
    });
    expect(res.body.status.progress).toEqual(status.progress);
    expect(row.SNAPSHOT).toBe(status.snapshot);
  });

  it("is listed by its short name and under the kubedump category", async () => {
    const byShort = await api(`/apis/${API_VERSION}`);
    const resource = byShort.body.resources.find((r: { name: string }) => r.name === "restoresessions");
    expect(resource).toMatchObject({ shortNames: ["kdrestore"], categories: ["kubedump"], namespaced: true });
  });
});
