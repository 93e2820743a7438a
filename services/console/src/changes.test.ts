import { setTimeout as sleep } from "node:timers/promises";
import { kubeHttp } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { call, type ConsoleFixture, consoleFixture, snapshotOf } from "./test-support.js";

const t = inject("testenv");
let f: ConsoleFixture;
let repo: string;
let second: string;

/** A second snapshot: cm-03 changed, cm-04 removed, cm-new added, the Secret's value changed. */
beforeAll(async () => {
  f = await consoleFixture(t, "console-diff");
  repo = `${f.url}/api/v1/repositories/${f.tn.ns}/repo`;
  const cms = `/api/v1/namespaces/${f.app}/configmaps`;
  const patch = { method: "PATCH", contentType: "application/merge-patch+json" };
  await kubeHttp(t, `${cms}/cm-03`, { ...patch, body: { data: { n: "three" } } });
  await kubeHttp(t, `${cms}/cm-04`, { method: "DELETE" });
  await kubeHttp(t, cms, { body: { metadata: { name: "cm-new" }, data: { n: "new" } } });
  await kubeHttp(t, `/api/v1/namespaces/${f.app}/secrets/db`, {
    ...patch,
    body: { stringData: { password: "rotated" } },
  });
  // Snapshot ids order by their second: the second snapshot must be taken in a later one.
  await sleep(1100);
  second = await snapshotOf(t, f.repository, f.app);
});
afterAll(() => f?.close());

describe("console history and diff", () => {
  it("diffs two snapshots: counts and a unified diff of the changed object", async () => {
    const res = await call(`${repo}/diff?a=${f.snapshot}&b=${second}&resource=configmaps`, { token: f.reader });
    expect(res.status).toBe(200);
    expect(res.body.stat).toEqual({ added: 1, removed: 1, changed: 1 });
    const byName = Object.fromEntries(res.body.changes.map((c: { name: string }) => [c.name, c]));
    expect(byName["cm-new"]).toMatchObject({ change: "added", kind: "ConfigMap", namespace: f.app, diff: null });
    expect(byName["cm-04"]).toMatchObject({ change: "removed" });
    expect(byName["cm-03"].change).toBe("changed");
    expect(byName["cm-03"].diff).toContain("-  'n': '3'");
    expect(byName["cm-03"].diff).toContain("+  'n': three");
  });

  it("leaves out the diff of a Secret for a user without get on secrets, and gives it to one with it", async () => {
    const url = `${repo}/diff?a=${f.snapshot}&b=${second}&namespace=${f.app}&resource=secrets`;
    const reader = await call(url, { token: f.reader });
    expect(reader.body.changes).toEqual([
      expect.objectContaining({ name: "db", change: "changed", diff: null, masked: true }),
    ]);
    const admin = await call(url, { token: f.admin });
    expect(admin.body.changes[0].masked).toBe(false);
    expect(admin.body.changes[0].diff).toContain(Buffer.from("rotated").toString("base64"));
  });

  it("gives an object's history: added in the first snapshot, changed in the second", async () => {
    const q = `group=&resource=configmaps&namespace=${f.app}&name=cm-03`;
    const res = await call(`${repo}/objects/history?${q}`, { token: f.reader });
    expect(res.status).toBe(200);
    expect(res.body.items.map((i: { snapshot: string; change: string }) => [i.snapshot, i.change])).toEqual([
      [f.snapshot, "added"],
      [second, "changed"],
    ]);
    expect(res.body.items[1].diff).toContain("+  'n': three");
    const gone = await call(`${repo}/objects/history?${q.replace("cm-03", "cm-04")}`, { token: f.reader });
    expect(gone.body.items.map((i: { change: string }) => i.change)).toEqual(["added", "removed"]);
  });

  it("masks a Secret's history for a user without get on secrets; 403 for a type the user may not get", async () => {
    const secret = await call(`${repo}/objects/history?resource=secrets&namespace=${f.app}&name=db`, {
      token: f.reader,
    });
    expect(secret.body.masked).toBe(true);
    expect(secret.body.items.map((i: { diff: unknown }) => i.diff)).toEqual([null, null]);
    const other = await call(`${repo}/objects/history?resource=configmaps&namespace=${f.app}&name=cm-03`, {
      token: f.nobody,
    });
    expect(other.status).toBe(403);
  });

  it("names a missing parameter with 400", async () => {
    const res = await call(`${repo}/diff?a=${f.snapshot}`, { token: f.reader });
    expect(res.status).toBe(400);
    expect(res.body.error).toContain("b");
  });
});
