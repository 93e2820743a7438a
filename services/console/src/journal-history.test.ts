// The console's object history with the journal of continuous capture: on a format-2 repository
// whose snapshot's scope has a journal (written with JournalWriter, as the recorder writes it, from
// objects the API server returned), the history lists the recorded changes with diffs and gaps,
// one version's YAML is served, and a Secret's diffs and values are withheld from a user without
// get on secrets.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { call, type ConsoleFixture, consoleFixture, journalChanges, SECRET_VALUE } from "./test-support.js";

const t = inject("testenv");
let f: ConsoleFixture;
let repo: string;
const times: string[] = [];

beforeAll(async () => {
  f = await consoleFixture(t, "console-jh", {}, 2);
  repo = `${f.url}/api/v1/repositories/${f.tn.ns}/repo`;
  times.push(...(await journalChanges(t, f)));
});
afterAll(() => f?.close());

describe("console history with the journal", () => {
  const q = (name: string, resource = "configmaps") => `group=&resource=${resource}&namespace=${f.app}&name=${name}`;

  it("lists the journal's changes after the snapshot, each with its diff, and the gap", async () => {
    const res = await call(`${repo}/objects/history?${q("cm-05")}`, { token: f.reader });
    expect(res.status).toBe(200);
    expect(res.body.items.map((i: { change: string }) => i.change)).toEqual(["added"]);
    const { changes, gaps } = res.body.journal;
    expect(changes.map((c: { change: string; time: string }) => [c.change, c.time])).toEqual([
      ["modified", times[0]],
      ["modified", times[1]],
    ]);
    expect(changes[0].previous).toBe(f.snapshot);
    expect(changes[0].diff).toContain("+  'n': five");
    expect(changes[1].previous).toBe(times[0]);
    expect(changes[1].diff).toContain("-  'n': five");
    expect(changes[1].blob).toBeUndefined();
    expect(gaps).toEqual([expect.objectContaining({ reason: "restart" })]);
  });

  it("serves one recorded version's YAML, and 404 for a time without one", async () => {
    const res = await call(`${repo}/objects/journal-version?${q("cm-05")}&time=${times[1]}`, { token: f.reader });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ change: "modified", masked: false });
    expect(res.body.yaml).toContain("'n': FIVE");
    const none = await call(`${repo}/objects/journal-version?${q("cm-05")}&time=${times[2]}`, { token: f.reader });
    expect(none.status).toBe(404);
    expect(none.body.error).toContain(`configmaps ${f.app}/cm-05`);
  });

  it("withholds a Secret's journal diffs and masks its recorded values without get on secrets", async () => {
    const history = await call(`${repo}/objects/history?${q("db", "secrets")}`, { token: f.reader });
    expect(history.body.masked).toBe(true);
    expect(history.body.journal.changes).toEqual([expect.objectContaining({ change: "modified", diff: null })]);
    const url = `${repo}/objects/journal-version?${q("db", "secrets")}&time=${times[2]}`;
    const masked = await call(url, { token: f.reader });
    expect(masked.body.masked).toBe(true);
    expect(masked.body.yaml).not.toContain(Buffer.from("journaled").toString("base64"));
    const admin = await call(url, { token: f.admin });
    expect(admin.body.yaml).toContain(Buffer.from("journaled").toString("base64"));
    expect(JSON.stringify(masked.body)).not.toContain(Buffer.from(SECRET_VALUE).toString("base64"));
  });

  it("refuses a user without get on the type", async () => {
    const res = await call(`${repo}/objects/journal-version?${q("cm-05")}&time=${times[0]}`, { token: f.nobody });
    expect(res.status).toBe(403);
  });
});
