import { kubeHttp } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { call, type ConsoleFixture, consoleFixture } from "./test-support.js";

const t = inject("testenv");
let f: ConsoleFixture;

beforeAll(async () => {
  f = await consoleFixture(t, "console-act");
  await f.tn.createConfig("nightly", {
    schedule: "0 2 * * *",
    target: { ref: { apiVersion: "v1", kind: "Namespace", name: f.app } },
  });
});
afterAll(() => f?.close());

describe("console actions", () => {
  it("triggers a backup: a BackupSession of the configuration, owned by it", async () => {
    const res = await call(`${f.url}/api/v1/backupconfigurations/${f.tn.ns}/nightly/trigger`, {
      method: "POST",
      token: f.reader,
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ namespace: f.tn.ns, name: expect.stringMatching(/^nightly-\d+$/) });
    const session = await f.tn.get("backupsessions", res.body.name);
    expect(session?.metadata.labels["kubedump.io/backup-configuration"]).toBe("nightly");
    expect(session?.spec.invoker).toEqual({ apiGroup: "kubedump.io", kind: "BackupConfiguration", name: "nightly" });
    expect(session?.metadata.ownerReferences[0].name).toBe("nightly");
    const listed = await call(`${f.url}/api/v1/backupsessions?namespace=${f.tn.ns}&configuration=nightly`, {
      token: f.reader,
    });
    expect(listed.body.map((s: { name: string }) => s.name)).toContain(res.body.name);
    const configs = await call(`${f.url}/api/v1/backupconfigurations`, { token: f.reader });
    const nightly = configs.body.find((c: { name: string }) => c.name === "nightly");
    expect(nightly).toMatchObject({ namespace: f.tn.ns, schedule: "0 2 * * *", repository: "repo", paused: false });
    expect(nightly.lastSession.name).toBe(res.body.name);
    const logged = f.logs.map((l) => JSON.parse(l)).find((l) => l.msg === "backup triggered");
    expect(logged).toMatchObject({ user: `system:serviceaccount:${f.tn.ns}:reader`, session: res.body.name });
  });

  it("refuses a trigger without create on backupsessions (403 naming it) and of a missing configuration (404)", async () => {
    const denied = await call(`${f.url}/api/v1/backupconfigurations/${f.tn.ns}/nightly/trigger`, {
      method: "POST",
      token: f.nobody,
    });
    expect(denied.status).toBe(403);
    expect(denied.body.error).toContain(`needs create on backupsessions.kubedump.io in ${f.tn.ns}`);
    const missing = await call(`${f.url}/api/v1/backupconfigurations/${f.tn.ns}/nope/trigger`, {
      method: "POST",
      token: f.reader,
    });
    expect(missing.status).toBe(404);
    expect(missing.body.error).toContain(`BackupConfiguration ${f.tn.ns}/nope`);
  });

  it("hides sessions and configurations of namespaces the user may not list", async () => {
    const sessions = await call(`${f.url}/api/v1/backupsessions`, { token: f.nobody });
    expect(sessions.body).toEqual([]);
    const configs = await call(`${f.url}/api/v1/backupconfigurations?namespace=${f.tn.ns}`, { token: f.nobody });
    expect(configs.status).toBe(403);
  });

  it("starts a dry-run restore: a RestoreSession with dryRun true, readable back", async () => {
    const body = { namespace: f.tn.ns, repository: "repo", snapshot: f.snapshot, includeResources: ["configmaps"] };
    const res = await call(`${f.url}/api/v1/restores`, { body: { ...body, dryRun: true }, token: f.reader });
    expect(res.status).toBe(201);
    const created = await kubeHttp(t, f.tn.url("restoresessions", res.body.name));
    expect(created.body.spec).toMatchObject({
      repository: { name: "repo" },
      snapshot: f.snapshot,
      dryRun: true,
      includeResources: ["configmaps"],
    });
    const shown = await call(`${f.url}/api/v1/restoresessions/${f.tn.ns}/${res.body.name}`, { token: f.reader });
    expect(shown.body).toMatchObject({ name: res.body.name, dryRun: true, phase: "Pending" });
  });

  it.each([
    ["without dryRun", { snapshot: "latest" }, "dryRun"],
    ["with a bad snapshot id", { snapshot: "yesterday", dryRun: true }, "spec.snapshot"],
    ["with a field RestoreSessions do not have", { dryRun: true, restoreEverything: true }, "restoreEverything"],
  ])("refuses a restore %s with 400 naming the field", async (_what, extra, field) => {
    const res = await call(`${f.url}/api/v1/restores`, {
      body: { namespace: f.tn.ns, repository: "repo", ...extra },
      token: f.reader,
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toContain(field);
  });

  it("refuses a restore without create on restoresessions", async () => {
    const res = await call(`${f.url}/api/v1/restores`, {
      body: { namespace: f.tn.ns, repository: "repo", dryRun: true },
      token: f.nobody,
    });
    expect(res.status).toBe(403);
    expect(res.body.error).toContain("create on restoresessions.kubedump.io");
  });
});
