import type { IndexRecord } from "@kubedump/repository/archive";
import { describe, expect, it } from "vitest";
import { metadataStub } from "./changed-pages.js";
import type { DumpEntry, DumpReuse, DumpSink, PageSink, ReusedEntry } from "./dump-sink.js";
import { createPageWriter } from "./page-writer.js";
import { RecordQueue } from "./record-queue.js";
import { CONFIGMAPS } from "../../kube/src/test-support.js";

// The page writer with doubles of its own sink and reuse table: a metadata stub (an object listed
// as metadata only) is reused when the table has it, and never stored as if it were the object.
const meta = { name: "app", namespace: "prod", uid: "6f1c9d0e-1111-4222-8333-944455556666", resourceVersion: "42" };

function doubles(found: boolean) {
  const stored: DumpEntry[] = [];
  const records: IndexRecord[] = [];
  const reused: ReusedEntry[] = [];
  const sink: DumpSink = {
    addObjects: async (entries) => {
      stored.push(...entries);
      return entries.map(() => 0);
    },
    addRecords: async (page) => {
      records.push(...page);
    },
  };
  const reuse: DumpReuse = {
    find: (record, resourceVersion) =>
      found && record.uid === meta.uid && resourceVersion === meta.resourceVersion
        ? { blob: "b".repeat(64), sha256: "a".repeat(64), bytes: 120 }
        : undefined,
    add: (entries) => {
      reused.push(...entries);
    },
  };
  const queue = new RecordQueue(sink);
  const write = createPageWriter({ sink, records: queue, sanitize: true, reuse });
  return {
    write: (...args: Parameters<typeof write>) => write(...args).finally(() => queue.flush()),
    stored,
    records,
    reused,
  };
}

describe("createPageWriter with metadata stubs", () => {
  it("reuses a stub the reuse table holds, storing nothing", async () => {
    const d = doubles(true);
    const page = await d.write([metadataStub(CONFIGMAPS, { ...meta })], CONFIGMAPS, () => true);
    expect(page).toEqual({ objects: 1, bytes: 120, reused: 1 });
    expect(d.stored).toEqual([]);
    expect(d.reused.map((r) => [r.record.namespace, r.record.name, r.blob, r.record.sha256, r.record.bytes])).toEqual([
      ["prod", "app", "b".repeat(64), "a".repeat(64), 120],
    ]);
    // a format-2 tree keeps no path: none is made for an unchanged object
    expect(d.reused[0]?.record).not.toHaveProperty("path");
  });

  it("reuses an object listed whole the table holds, found by its type and uid", async () => {
    const d = doubles(true);
    const whole = { apiVersion: "v1", kind: "ConfigMap", metadata: { ...meta }, data: { k: "v" } };
    const page = await d.write([whole], CONFIGMAPS, () => true);
    expect(page).toEqual({ objects: 1, bytes: 120, reused: 1 });
    expect(d.stored).toEqual([]);
    expect(d.reused.map((r) => [r.record.uid, r.record.kind, r.resourceVersion])).toEqual([
      [meta.uid, "ConfigMap", "42"],
    ]);
  });

  it("refuses to store a stub the table does not hold, and stores nothing of its page", async () => {
    const d = doubles(false);
    const whole = { apiVersion: "v1", kind: "ConfigMap", metadata: { ...meta, name: "other" }, data: { k: "v" } };
    await expect(d.write([whole, metadataStub(CONFIGMAPS, { ...meta })], CONFIGMAPS, () => true)).rejects.toThrow(
      "namespaces/prod/configmaps/app.yaml: listed as metadata only and not found in the reuse table when stored",
    );
    expect(d.stored).toEqual([]);
  });

  it("stores a whole object the table does not hold", async () => {
    const d = doubles(false);
    const whole = { apiVersion: "v1", kind: "ConfigMap", metadata: { ...meta }, data: { k: "v" } };
    const page = await d.write([whole], CONFIGMAPS, () => true);
    expect(page.objects).toBe(1);
    expect(d.stored.map((e) => e.path)).toEqual(["namespaces/prod/configmaps/app.yaml"]);
    expect(d.stored[0]?.data.toString()).toContain("k: v");
  });
});

describe("createPageWriter with a page sink (format 2)", () => {
  it("gives each page's objects with their records and the sink's own digests of them, sha256 left to the sink", async () => {
    const pages: DumpEntry[][] = [];
    const given: string[][] = [];
    const sink: PageSink<string[]> = {
      digest: async (entries) => entries.map((e) => `digest of ${e.path}`),
      addPage: async (entries, digests) => {
        pages.push([...entries]);
        given.push(digests);
      },
    };
    const records = new RecordQueue(sink);
    const write = createPageWriter({ sink, records, sanitize: true });
    const objects = ["a", "b"].map((name) => ({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { ...meta, name, uid: `uid-${name}` },
      data: { k: name },
    }));
    const page = await write(objects, CONFIGMAPS, () => true);
    await records.flush();

    expect(page).toMatchObject({ objects: 2, reused: 0 });
    expect(pages).toHaveLength(1);
    expect(
      pages[0]?.map((e) => [e.path, e.record.path, e.record.uid, e.record.sha256, e.record.bytes, e.resourceVersion]),
    ).toEqual([
      [
        "namespaces/prod/configmaps/a.yaml",
        "namespaces/prod/configmaps/a.yaml",
        "uid-a",
        "",
        pages[0]?.[0]?.data.length,
        "42",
      ],
      [
        "namespaces/prod/configmaps/b.yaml",
        "namespaces/prod/configmaps/b.yaml",
        "uid-b",
        "",
        pages[0]?.[1]?.data.length,
        "42",
      ],
    ]);
    expect(pages[0]?.[1]?.data.toString()).toContain("k: b");
    expect(given).toEqual([
      ["digest of namespaces/prod/configmaps/a.yaml", "digest of namespaces/prod/configmaps/b.yaml"],
    ]);
  });

  it("gives pages and reused objects in the dump's order, a page's digests late or not, and the dump goes on meanwhile", async () => {
    const seen: string[] = [];
    const late: ((d: string) => void)[] = [];
    const sink: PageSink<string> = {
      // the first page's digests come back last
      digest: (entries) =>
        entries[0]?.record.name === "a" ? new Promise((resolve) => late.push(resolve)) : Promise.resolve("quick"),
      addPage: async (entries, digests) => {
        seen.push(`page ${entries.map((e) => e.record.name).join(",")} (${digests})`);
      },
    };
    const reuse: DumpReuse = {
      find: (record) =>
        record.uid === "uid-r" ? { blob: "b".repeat(64), sha256: "a".repeat(64), bytes: 9 } : undefined,
      add: (entries) => {
        seen.push(`reused ${entries.map((e) => e.record.name).join(",")}`);
      },
    };
    const records = new RecordQueue(sink);
    const write = createPageWriter({ sink, records, sanitize: true, reuse });
    const object = (name: string) => ({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { ...meta, name, uid: `uid-${name}` },
      data: { k: name },
    });
    await write([object("a")], CONFIGMAPS, () => true);
    await write([object("r"), object("b")], CONFIGMAPS, () => true);
    expect(seen).toEqual([]); // both pages written while the first one's digests are out
    late[0]?.("late");
    await records.flush();
    expect(seen).toEqual(["page a (late)", "reused r", "page b (quick)"]);
  });

  it("fails the flush, and what comes after, when a page's digests fail", async () => {
    const sink: PageSink<string> = {
      digest: async () => {
        throw new Error("thread gone");
      },
      addPage: async () => {},
    };
    const records = new RecordQueue(sink);
    const write = createPageWriter({ sink, records, sanitize: true });
    await write([{ apiVersion: "v1", kind: "ConfigMap", metadata: { ...meta }, data: {} }], CONFIGMAPS, () => true);
    await expect(records.flush()).rejects.toThrow("thread gone");
  });

  it("refuses records given to a record queue of a page sink", async () => {
    const records = new RecordQueue({ digest: async () => [], addPage: async () => {} });
    await expect(records.add([], Promise.resolve([]))).rejects.toThrow(
      "a page sink takes its records with its objects",
    );
  });
});
