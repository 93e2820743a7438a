import { kubeHttp } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { call, CONFIGMAPS, type ConsoleFixture, consoleFixture, SECRET_VALUE } from "./test-support.js";

const t = inject("testenv");
let f: ConsoleFixture;
let repo: string;

beforeAll(async () => {
  f = await consoleFixture(t, "console-read");
  repo = `${f.url}/api/v1/repositories/${f.tn.ns}/repo`;
});
afterAll(() => f?.close());

describe("console reading", () => {
  it("lists the Repository for a user with get on it, and not for one without", async () => {
    const mine = await call(`${f.url}/api/v1/repositories`, { token: f.reader });
    expect(mine.status).toBe(200);
    const found = mine.body.find((r: { namespace: string }) => r.namespace === f.tn.ns);
    expect(found).toMatchObject({ name: "repo", backend: { type: "s3", bucket: "kubedump-e2e", prefix: f.tn.prefix } });
    expect(JSON.stringify(mine.body)).not.toContain("SECRET");
    const theirs = await call(`${f.url}/api/v1/repositories`, { token: f.nobody });
    expect(theirs.body.some((r: { namespace: string }) => r.namespace === f.tn.ns)).toBe(false);
  });

  it("lists a Repository whose spec does not validate as Invalid, naming the field, and the others still", async () => {
    const bad = {
      apiVersion: "kubedump.io/v1alpha1",
      kind: "Repository",
      metadata: { name: "bad-verify", namespace: f.tn.ns },
      spec: {
        backend: { local: { path: "/backups" } },
        storageSecretName: "none",
        verify: { schedule: "0 25 * * *", readData: 0 },
      },
    };
    const created = await kubeHttp(t, `/apis/kubedump.io/v1alpha1/namespaces/${f.tn.ns}/repositories`, {
      method: "POST",
      body: bad,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const list = await call(`${f.url}/api/v1/repositories`, { token: f.reader });
    expect(list.status).toBe(200);
    const names = list.body.filter((r: { namespace: string }) => r.namespace === f.tn.ns);
    expect(names.find((r: { name: string }) => r.name === "repo")).toMatchObject({ backend: { type: "s3" } });
    expect(names.find((r: { name: string }) => r.name === "bad-verify")).toMatchObject({
      phase: "Invalid",
      backend: { type: "invalid" },
      error: expect.stringContaining("spec.verify.schedule"),
    });
  });

  it("lists snapshots for a user with get on the Repository; 403 naming the verb for one without", async () => {
    const res = await call(`${repo}/snapshots`, { token: f.reader });
    expect(res.status).toBe(200);
    expect(res.body.map((s: { id: string }) => s.id)).toEqual([f.snapshot]);
    expect(res.body[0]).toMatchObject({ objects: CONFIGMAPS + 2, scope: { type: "namespace", namespace: f.app } });
    const denied = await call(`${repo}/snapshots`, { token: f.nobody });
    expect(denied.status).toBe(403);
    expect(denied.body.error).toContain(`needs get on repositories.kubedump.io "repo" in ${f.tn.ns}`);
  });

  it("answers a snapshot's summary, and 404 naming an id that is not there", async () => {
    const res = await call(`${repo}/snapshots/${f.snapshot}`, { token: f.reader });
    expect(res.body).toMatchObject({ id: f.snapshot, counts: { configmaps: CONFIGMAPS, secrets: 1 } });
    // The fixture's Repository names no format: format 2, whose snapshots have no parts of their own.
    expect(res.body).toMatchObject({ format: 2 });
    expect(res.body.parts).toBeUndefined();
    const missing = await call(`${repo}/snapshots/20200101T000000Z-00000000`, { token: f.reader });
    expect(missing.status).toBe(404);
    expect(missing.body.error).toContain("20200101T000000Z-00000000");
  });

  it("pages the tree: namespaces, types, then names with limit and after", async () => {
    const tree = `${repo}/snapshots/${f.snapshot}/tree`;
    const top = await call(tree, { token: f.reader });
    expect(top.body.items).toEqual([
      { namespace: "", objects: 1 }, // the Namespace itself
      { namespace: f.app, objects: CONFIGMAPS + 1 },
    ]);
    const types = await call(`${tree}?namespace=${f.app}`, { token: f.reader });
    expect(types.body.items).toEqual([
      { resource: "configmaps", group: "", kind: "ConfigMap", objects: CONFIGMAPS },
      { resource: "secrets", group: "", kind: "Secret", objects: 1 },
    ]);
    const names: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const q: string = `namespace=${f.app}&resource=configmaps&group=&limit=10${after ? `&after=${after}` : ""}`;
      const page = await call(`${tree}?${q}`, { token: f.reader });
      expect(page.body.items.length).toBeLessThanOrEqual(10);
      names.push(...page.body.items.map((i: { name: string }) => i.name));
      after = page.body.next;
      pages++;
    } while (after);
    expect(pages).toBe(3);
    expect(names).toEqual(Array.from({ length: CONFIGMAPS }, (_, i) => `cm-${String(i).padStart(2, "0")}`));
    const bad = await call(`${tree}?namespace=${f.app}&resource=configmaps&limit=0`, { token: f.reader });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toContain("limit");
  });

  it("reads one object's YAML and record", async () => {
    const q = `group=&resource=configmaps&namespace=${f.app}&name=cm-07`;
    const res = await call(`${repo}/snapshots/${f.snapshot}/object?${q}`, { token: f.reader });
    expect(res.status).toBe(200);
    expect(res.body.masked).toBe(false);
    expect(res.body.record).toMatchObject({
      kind: "ConfigMap",
      name: "cm-07",
      path: `namespaces/${f.app}/configmaps/cm-07.yaml`,
    });
    expect(res.body.yaml).toContain("name: cm-07");
    expect(res.body.yaml).toContain("'n': '7'");
    const missing = await call(`${repo}/snapshots/${f.snapshot}/object?${q.replace("cm-07", "cm-99")}`, {
      token: f.reader,
    });
    expect(missing.status).toBe(404);
    expect(missing.body.error).toContain("cm-99");
  });

  it("masks a Secret's values for a user without get on secrets there, and shows them to one with it", async () => {
    const url = `${repo}/snapshots/${f.snapshot}/object?group=&resource=secrets&namespace=${f.app}&name=db`;
    const masked = await call(url, { token: f.reader });
    expect(masked.status).toBe(200);
    expect(masked.body.masked).toBe(true);
    expect(masked.body.yaml).toContain("password: '***'");
    expect(JSON.stringify(masked.body)).not.toContain(Buffer.from(SECRET_VALUE).toString("base64"));
    const full = await call(url, { token: f.admin });
    expect(full.body.masked).toBe(false);
    expect(full.body.yaml).toContain(Buffer.from(SECRET_VALUE).toString("base64"));
  });

  it("refuses an object of a type the user may not get (403 naming it)", async () => {
    const res = await call(`${repo}/snapshots/${f.snapshot}/object?resource=configmaps&namespace=${f.app}&name=cm-01`, {
      token: f.nobody,
    });
    expect(res.status).toBe(403);
  });

  it("answers 502 naming the field of a Repository whose storage Secret is missing, and never the Secret", async () => {
    const res = await kubeHttp(t, f.tn.url("repositories"), {
      body: {
        apiVersion: "kubedump.io/v1alpha1",
        kind: "Repository",
        metadata: { name: "broken" },
        spec: { backend: { local: { path: "/nowhere" } }, storageSecretName: "missing" },
      },
    });
    expect(res.status).toBe(201);
    const broken = await call(`${f.url}/api/v1/repositories/${f.tn.ns}/broken/snapshots`, { token: f.reader });
    expect(broken.status).toBe(502);
    expect(broken.body.error).toBe(
      `spec.storageSecretName of Repository ${f.tn.ns}/broken: Secret ${f.tn.ns}/missing not found`,
    );
  });
});
