// The console's repository routes on a format-2 repository (the snapshot taken by the backup code
// path into format 2): the snapshot list, its summary, the tree and one object's YAML.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { call, CONFIGMAPS, type ConsoleFixture, consoleFixture } from "./test-support.js";

const t = inject("testenv");
let f: ConsoleFixture;
let repo: string;

beforeAll(async () => {
  f = await consoleFixture(t, "console-f2", {}, 2);
  repo = `${f.url}/api/v1/repositories/${f.tn.ns}/repo`;
});
afterAll(() => f?.close());

describe("console reading a format-2 repository", () => {
  it("lists the snapshot and answers its summary", async () => {
    expect((await f.repository.getSnapshot(f.snapshot)).formatVersion).toBe(2);
    const list = await call(`${repo}/snapshots`, { token: f.reader });
    expect(list.status).toBe(200);
    expect(list.body.map((s: { id: string }) => s.id)).toEqual([f.snapshot]);
    const summary = await call(`${repo}/snapshots/${f.snapshot}`, { token: f.reader });
    expect(summary.body).toMatchObject({ id: f.snapshot, counts: { configmaps: CONFIGMAPS, secrets: 1 } });
  });

  it("pages the tree and reads one object's YAML and record", async () => {
    const top = await call(`${repo}/snapshots/${f.snapshot}/tree`, { token: f.reader });
    expect(top.body.items).toEqual([
      { namespace: "", objects: 1 },
      { namespace: f.app, objects: CONFIGMAPS + 1 },
    ]);
    const q = `group=&resource=configmaps&namespace=${f.app}&name=cm-07`;
    const res = await call(`${repo}/snapshots/${f.snapshot}/object?${q}`, { token: f.reader });
    expect(res.status).toBe(200);
    expect(res.body.record).toMatchObject({ name: "cm-07", path: `namespaces/${f.app}/configmaps/cm-07.yaml` });
    expect(res.body.yaml).toContain("'n': '7'");
  });
});
