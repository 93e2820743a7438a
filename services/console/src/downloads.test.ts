import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { loadAll } from "js-yaml";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { call, CONFIGMAPS, type ConsoleFixture, consoleFixture } from "./test-support.js";

const run = promisify(execFile);
const t = inject("testenv");
let f: ConsoleFixture;
let dir: string;
let url: string;

beforeAll(async () => {
  f = await consoleFixture(t, "console-dl");
  dir = await mkdtemp(join(tmpdir(), "console-dl-"));
  url = `${f.url}/api/v1/repositories/${f.tn.ns}/repo/snapshots/${f.snapshot}/download`;
});
afterAll(async () => {
  await f?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Every file below `root`, by relative path, with its content. */
async function treeOf(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true }))
    if (entry.isFile()) {
      const file = join(entry.parentPath, entry.name);
      out[relative(root, file)] = await readFile(file, "utf8");
    }
  return out;
}

describe("console downloads", () => {
  it.each([
    ["zip", (file: string, to: string) => run("unzip", ["-q", file, "-d", to])],
    ["tar.gz", (file: string, to: string) => run("tar", ["-xzf", file, "-C", to])],
  ])("a whole snapshot as %s unpacks to the tree `download` writes", async (format, unpack) => {
    const res = await call(`${url}?format=${format}`, { token: f.admin });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="repo-${f.snapshot}.${format}"`);
    const file = join(dir, `all.${format}`);
    await writeFile(file, res.body);
    const [unpacked, downloaded] = [join(dir, `unpacked-${format}`), join(dir, `downloaded-${format}`)];
    await run("mkdir", ["-p", unpacked]);
    await unpack(file, unpacked);
    await f.repository.download(f.snapshot, downloaded);
    const expected = await treeOf(downloaded);
    expect(Object.keys(expected)).toHaveLength(CONFIGMAPS + 2);
    expect(await treeOf(unpacked)).toEqual(expected);
  });

  it("gives a namespace's ConfigMaps as one multi-document YAML", async () => {
    const res = await call(`${url}?format=yaml&namespace=${f.app}&group=&resource=configmaps`, { token: f.reader });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/yaml/);
    const docs = loadAll(res.body.toString("utf8")) as { kind: string; metadata: { name: string } }[];
    expect(docs.map((d) => d.metadata.name).sort()).toEqual(
      Array.from({ length: CONFIGMAPS }, (_, i) => `cm-${String(i).padStart(2, "0")}`),
    );
    expect(new Set(docs.map((d) => d.kind))).toEqual(new Set(["ConfigMap"]));
  });

  it("gives one object", async () => {
    const res = await call(`${url}?format=yaml&namespace=${f.app}&resource=configmaps&name=cm-02`, { token: f.reader });
    expect(res.status).toBe(200);
    expect(loadAll(res.body.toString("utf8"))).toHaveLength(1);
  });

  it.each([
    ["the whole snapshot", ""],
    ["the namespace", "&namespace=APP"],
    ["the Secret", "&namespace=APP&resource=secrets&name=db"],
  ])("refuses %s (it holds a Secret) with 403 to a user without get on secrets", async (_what, q) => {
    const res = await call(`${url}?format=zip${q.replace("APP", f.app)}`, { token: f.reader });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatch(new RegExp(`needs get on (secrets "db" in ${f.app}|namespaces "${f.app}")`));
  });

  it("refuses an unknown format with 400 naming the parameter", async () => {
    const res = await call(`${url}?format=rar`, { token: f.admin });
    expect(res.status).toBe(400);
    expect(res.body.error).toContain("format");
  });
});
