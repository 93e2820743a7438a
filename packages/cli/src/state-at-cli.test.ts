// `restore --at`, `download --at` and `diff --at` on a journal of ConfigMaps changed on a real
// kube-apiserver after a CLI backup (format 2): each change's object as the API server returned
// it, sanitized and serialized as a backup does, journaled with JournalWriter (what the recorder
// does). A restore of the state at several moments into an empty namespace equals the model's
// state then: a deleted ConfigMap absent, a re-created one present with its new data.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sanitize, toYaml } from "@kubedump/dump";
import type { KubeObject } from "@kubedump/kube";
import { JournalWriter, openJournalKeys } from "@kubedump/repository/journal";
import { createLocalObjectStore } from "@kubedump/repository/local";
import { filesBelow, kubeHttp } from "@kubedump/testenv";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { kubedump } from "./test-support.js";

const env = inject("testenv");
const suffix = randomBytes(3).toString("hex");
const src = `sat-src-${suffix}`;
const other = `sat-other-${suffix}`;
const dir = mkdtempSync(join(tmpdir(), "kubedump-state-at-"));
const repo = join(dir, "repo");
const cli = (args: string[]) => kubedump([...args, "--repo", repo], { KUBECONFIG: env.kubeconfig });
const collection = (ns: string) => `/api/v1/namespaces/${ns}/configmaps`;

/** name → data.v at one moment. */
type State = Map<string, string>;
const model: State = new Map();
const moments: { time: number; state: State }[] = [];
/** The YAML journaled for each ConfigMap version: `${name}=${v}` → YAML. */
const yamlOf = new Map<string, string>();
let writer: JournalWriter;
let snapshot: { id: string; time: string; completedAt: string };

const tick = () => new Promise((resolve) => setTimeout(resolve, 15));

async function call(path: string, options: { method?: string; body?: unknown } = {}): Promise<KubeObject> {
  const res = await kubeHttp(env, path, options);
  if (res.status >= 300) throw new Error(`${options.method ?? "GET"} ${path}: ${res.status} ${res.text}`);
  return res.body as KubeObject;
}

function refOf(object: KubeObject) {
  const { namespace, name, uid } = object.metadata as { namespace: string; name: string; uid: string };
  return { group: "", version: "v1", resource: "configmaps", namespace, name, uid };
}

/** Journals a change of `object` as the recorder would: its sanitized YAML at the moment it happened. */
async function journal(kind: "added" | "modified" | "deleted", object: KubeObject): Promise<void> {
  const resourceVersion = String(object.metadata?.resourceVersion);
  const data = toYaml(sanitize(structuredClone(object)));
  const v = (object as { data?: { v?: string } }).data?.v ?? "";
  yamlOf.set(`${object.metadata?.name}=${v}`, data.toString("utf8"));
  await writer.append({ time: Date.now(), kind, ref: refOf(object), resourceVersion, data });
  if (kind === "deleted") model.delete(String(object.metadata?.name));
  else model.set(String(object.metadata?.name), v);
  await tick();
}

const configMap = (name: string, v: string) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name },
  data: { v },
});

async function put(name: string, v: string): Promise<KubeObject> {
  const current = await call(`${collection(src)}/${name}`);
  return call(`${collection(src)}/${name}`, { method: "PUT", body: { ...current, data: { v } } });
}

async function remove(name: string): Promise<KubeObject> {
  const last = await call(`${collection(src)}/${name}`);
  await call(`${collection(src)}/${name}`, { method: "DELETE" });
  return last;
}

function mark(): void {
  moments.push({ time: Date.now(), state: new Map(model) });
}

/** The ConfigMaps of namespace `ns` (kube-root-ca.crt aside): name → data.v. */
async function configMapsIn(ns: string): Promise<State> {
  const list = (await call(collection(ns))) as unknown as { items: KubeObject[] };
  return new Map(
    list.items
      .filter((o) => o.metadata?.name !== "kube-root-ca.crt")
      .map((o) => [String(o.metadata?.name), String((o as { data?: { v?: string } }).data?.v)]),
  );
}

const at = (i: number) => new Date((moments[i] as { time: number }).time).toISOString();

beforeAll(async () => {
  for (const ns of [src, other]) await call("/api/v1/namespaces", { body: { metadata: { name: ns } } });
  for (const [name, v] of [
    ["cm-0", "1"],
    ["cm-1", "1"],
    ["cm-2", "1"],
    ["cm-3", "1"],
  ] as const) {
    await call(collection(src), { body: configMap(name, v) });
    model.set(name, v);
  }
  const backup = await cli(["backup", "--namespace", src, "-o", "json"]);
  if (backup.code !== 0) throw new Error(`backup: ${backup.stderr}`);
  snapshot = JSON.parse(backup.stdout);
  const manifest = JSON.parse(backup.stdout) as { scope: never; params: Record<string, string> };
  const store = createLocalObjectStore({ root: repo });
  const keys = await openJournalKeys({ store });
  writer = new JournalWriter({ store, keys, scope: { scope: manifest.scope, params: manifest.params } });
  await tick();
  mark(); // 0: the snapshot's state
  await journal("modified", await put("cm-1", "2"));
  mark(); // 1
  await journal("deleted", await remove("cm-2"));
  mark(); // 2
  await journal("added", await call(collection(src), { body: configMap("cm-new", "1") }));
  mark(); // 3
  await journal("deleted", await remove("cm-3"));
  await journal("added", await call(collection(src), { body: configMap("cm-3", "9") }));
  mark(); // 4: cm-3 re-created with a new uid
  await tick();
  const gapFrom = Date.now();
  await tick();
  const relisted = await put("cm-1", "3");
  await writer.appendGap({ from: gapFrom, to: Date.now(), reason: "410" });
  await journal("modified", relisted);
  mark(); // 5: after a 410 gap
  await writer.close();
}, 300_000);

describe("kubedump restore --at", () => {
  it.each([0, 2, 4, 5])("restores the state at moment %i into an empty namespace", async (i) => {
    const to = `sat-to-${i}-${suffix}`;
    const run = await cli([
      "restore",
      "--at",
      at(i),
      "--namespace-mappings",
      `${src}:${to}`,
      "--include-resources",
      "configmaps",
    ]);
    expect(run.code, run.stderr).toBe(0);
    const expected = (moments[i] as { state: State }).state;
    expect(await configMapsIn(to)).toEqual(expected);
    if (i === 4) expect(expected.get("cm-3")).toBe("9");
    if (i >= 2) expect(expected.has("cm-2")).toBe(false);
    expect(run.stderr.includes("410 gap")).toBe(i === 5);
  });

  it("leaves the cluster as it is with --dry-run", async () => {
    const to = `sat-dry-${suffix}`;
    const run = await cli(["restore", "--at", at(3), "--namespace-mappings", `${src}:${to}`, "--dry-run"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/dry run/i);
    const res = await kubeHttp(env, `/api/v1/namespaces/${to}`);
    expect(res.status).toBe(404);
  });
});

describe("kubedump download --at", () => {
  it("writes the snapshot's tree for a moment before any change", async () => {
    const [fromSnapshot, fromMoment] = [mkdtempSync(join(dir, "s-")), mkdtempSync(join(dir, "m-"))];
    expect((await cli(["download", snapshot.id, "--to", fromSnapshot])).code).toBe(0);
    const run = await cli(["download", "--at", at(0), "--to", fromMoment]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`of the state at ${at(0)} to`);
    expect(filesBelow(fromMoment)).toEqual(filesBelow(fromSnapshot));
  });

  it.each([1, 3, 4, 5])("writes the journaled YAML of the state at moment %i", async (i) => {
    const to = mkdtempSync(join(dir, `d${i}-`));
    const run = await cli(["download", "--at", at(i), "--to", to]);
    expect(run.code, run.stderr).toBe(0);
    const state = (moments[i] as { state: State }).state;
    const below = join(to, "namespaces", src, "configmaps");
    const names = [...filesBelow(below).keys()].map((f) => f.replace(/\.yaml$/, ""));
    expect(names.filter((n) => n !== "kube-root-ca.crt").sort()).toEqual([...state.keys()].sort());
    for (const [name, v] of state) {
      const journaled = yamlOf.get(`${name}=${v}`);
      if (journaled !== undefined) expect(readFileSync(join(below, `${name}.yaml`), "utf8")).toBe(journaled);
      else expect(readFileSync(join(below, `${name}.yaml`), "utf8")).toMatch(new RegExp(`v: ['"]?${v}['"]?$`, "m"));
    }
  });

  it("writes an archive of a moment", async () => {
    const file = join(dir, "state.tar.gz");
    const run = await cli(["download", "--at", at(4), "--archive", file, "--include-resources", "configmaps"]);
    expect(run.code, run.stderr).toBe(0);
    const configMaps = (moments[4] as { state: State }).state.size;
    expect(run.stdout).toMatch(new RegExp(`wrote ${configMaps} objects .* of the state at ${at(4)} to`));
  });
});

describe("kubedump diff --at", () => {
  it("compares two moments", async () => {
    const run = await cli(["diff", "--at", at(1), "--at", at(3), "-o", "json"]);
    expect(run.code).toBe(1);
    const diff = JSON.parse(run.stdout) as {
      counts: Record<string, number>;
      objects: { path: string; change: string }[];
    };
    expect(diff.counts).toMatchObject({ added: 1, removed: 1, changed: 0 });
  });

  it("compares a snapshot with a moment", async () => {
    const run = await cli(["diff", snapshot.id, "--at", at(1)]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("cm-1");
    expect(run.stdout).toMatch(/^-\s+v: ['"]?1['"]?$/m);
    expect((await cli(["diff", snapshot.id, "--at", at(0)])).code).toBe(0);
  });

  it("takes two sides, no more", async () => {
    const three = await cli(["diff", snapshot.id, "--at", at(1), "--at", at(2)]);
    expect([three.code, three.stderr]).toEqual([2, "kubedump: give two of: snapshots and --at moments\n"]);
    const one = await cli(["diff", "--at", at(1)]);
    expect(one.stderr).toContain("give a second snapshot, or --live (or --at <time>: a moment)");
  });
});

describe("kubedump history with the journal", () => {
  interface Change {
    time: string;
    change: string;
    resourceVersion: string;
    uid: string;
    previous?: string;
    diff?: string;
  }

  it("lists an object's journal changes after its snapshots, each diffed from the version before", async () => {
    const run = await cli(["history", `configmaps/${src}/cm-1`, "-o", "json"]);
    expect(run.code, run.stderr).toBe(0);
    const history = JSON.parse(run.stdout) as { entries: { snapshot: string }[]; changes: Change[]; gaps: unknown[] };
    expect(history.entries.map((e) => e.snapshot)).toEqual([snapshot.id]);
    expect(history.changes.map((c) => c.change)).toEqual(["modified", "modified"]);
    const [first, second] = history.changes as [Change, Change];
    expect(first.previous).toBe(snapshot.id);
    expect(first.diff).toMatch(/^-\s+v: ['"]?1['"]?$/m);
    expect(first.diff).toMatch(/^\+\s+v: ['"]?2['"]?$/m);
    expect(second.previous).toBe(first.time);
    expect(second.diff).toMatch(/^\+\s+v: ['"]?3['"]?$/m);
    expect(Number(second.resourceVersion)).toBeGreaterThan(Number(first.resourceVersion));
    expect(history.gaps).toEqual([expect.objectContaining({ reason: "410" })]);
  });

  it("shows a deletion and a re-creation with a new uid, in time order with the gap", async () => {
    const json = await cli(["history", `configmaps/${src}/cm-3`, "-o", "json"]);
    const changes = (JSON.parse(json.stdout) as { changes: Change[] }).changes;
    expect(changes.map((c) => c.change)).toEqual(["deleted", "added"]);
    expect(changes[0]?.uid).not.toBe(changes[1]?.uid);
    expect(changes[1]?.previous).toBeUndefined();
    expect(changes[1]?.diff).toContain("--- /dev/null");
    const text = await cli(["history", `configmaps/${src}/cm-3`]);
    expect(text.code, text.stderr).toBe(0);
    const kinds = text.stdout
      .split("\n")
      .filter((l) => /^(journal|gap|\d{8}T)/.test(l))
      .map((l) => l.split(/\s+/)[l.startsWith("journal") ? 2 : l.startsWith("gap") ? 0 : 2]);
    expect(kinds).toEqual(["added", "deleted", "added", "gap"]);
    expect(text.stdout).toMatch(/1 change in 1 snapshot, 2 journal changes/);
  });

  it("finds an object only the journal saw", async () => {
    const run = await cli(["history", `configmaps/${src}/cm-new`, "--stat"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/journal {2}\S+ {2}added resourceVersion \d+ uid \S+/);
  });
});

describe("--at refused", () => {
  it.each([
    [["--at", "2026-11-26T02:00:00"], /--at "2026-11-26T02:00:00": no time zone/],
    [["--at", "2999-01-01T00:00:00Z"], /--at "2999-01-01T00:00:00Z": .* is in the future/],
    [["--at", "2000-01-01T00:00:00Z"], /--at "2000-01-01T00:00:00Z": .* is before the state is known: .* completed at/],
    [["--at", "-1m", "some-id"], /give a snapshot id or --at, not both/],
    [["--journal", "cluster"], /--journal works with --at only/],
  ])("download %j", async (args, message) => {
    const run = await cli(["download", ...args, "--to", join(dir, "refused")]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it("asks which journal when two scopes have one, and takes --journal", async () => {
    const backup = await cli(["backup", "--namespace", other, "-o", "json"]);
    expect(backup.code, backup.stderr).toBe(0);
    const manifest = JSON.parse(backup.stdout) as { scope: never; params: Record<string, string> };
    const store = createLocalObjectStore({ root: repo });
    const second = new JournalWriter({ store, keys: null, scope: { scope: manifest.scope, params: manifest.params } });
    await second.appendGap({ from: Date.now() - 1, to: Date.now(), reason: "restart" });
    await second.close();
    await tick();
    const now = new Date().toISOString();
    const asked = await cli(["download", "--at", now, "--to", join(dir, "two")]);
    expect(asked.code).toBe(2);
    expect(asked.stderr).toContain("journals of 2 scopes; pick one with --journal");
    expect(asked.stderr).toContain(`--journal namespace/${src}`);
    expect(asked.stderr).toContain(`--journal namespace/${other}`);
    const wrong = await cli(["download", "--at", now, "--journal", "namespace/nope", "--to", join(dir, "two")]);
    expect(wrong.stderr).toContain(`--journal "namespace/nope": names none of the repository's journals`);
    const picked = await cli(["download", "--at", now, "--journal", `namespace/${src}`, "--to", join(dir, "two")]);
    expect(picked.code, picked.stderr).toBe(0);
    expect(readFileSync(join(dir, "two", "namespaces", src, "configmaps", "cm-3.yaml"), "utf8")).toMatch(/v: ['"]?9/);
  });
});
