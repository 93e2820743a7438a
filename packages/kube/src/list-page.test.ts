import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ItemPage, readListPage, YieldedUids } from "./list.js";
import type { KubeObject } from "./resources.js";

/** What ItemPage yields for `body`, and whether it was cut into items without parsing it whole. */
function read(body: string, seen = new Set<string>()): { items: KubeObject[]; cut: boolean } {
  const buf = Buffer.from(body);
  const page = readListPage(buf);
  return {
    items: [...new ItemPage(buf, page.bounds, page.objects, "v1", "Thing", seen)],
    cut: page.objects === undefined,
  };
}

/** JSON.parse's items, with the apiVersion and kind listPages gives them. */
function parsed(body: string): KubeObject[] {
  const items = (JSON.parse(body) as { items: KubeObject[] | null }).items ?? [];
  for (const item of items) Object.assign(item, { apiVersion: "v1", kind: "Thing" });
  return items;
}

const typed = (items: object[], tail = "") =>
  `{"kind":"ThingList","apiVersion":"v1","metadata":{"resourceVersion":"42","continue":"abc"},"items":${JSON.stringify(items)}}${tail}`;
const thing = (name: string, extra: object = {}) => ({
  metadata: { name, namespace: "ns", uid: `uid-${name}` },
  data: { k: `v-${name}` },
  ...extra,
});

describe("readListPage and ItemPage", () => {
  it("cut a list into its items, which parse one by one to what JSON.parse gives, and read the list's metadata", () => {
    const body = typed(
      [thing("a"), thing("b", { data: { tricky: '},{"metadata":{"name":"x"}}', é: "ü\n" } }), thing("c")],
      "\n",
    );
    const page = readListPage(Buffer.from(body));
    expect(page.metadata).toEqual({ resourceVersion: "42", continue: "abc" });
    expect(page.bounds).toHaveLength(6);
    expect(read(body)).toEqual({ items: parsed(body), cut: true });
  });

  it("parse the page whole from where a cut fell inside an item (a nested object that starts like an item)", () => {
    // A StatefulSet's volumeClaimTemplates start as an item does: {"metadata":{"name":…
    const claims = { spec: { volumeClaimTemplates: [{ metadata: { name: "d1" } }, { metadata: { name: "d2" } }] } };
    const body = typed([thing("a"), thing("b", claims), thing("c", claims), thing("d")]);
    expect(readListPage(Buffer.from(body)).bounds.length).toBeGreaterThan(8); // cut inside b and c too
    expect(read(body).items).toEqual(parsed(body));
  });

  it("cut custom objects (apiVersion and kind first) also when their owner references start like them", () => {
    const owners = [
      { apiVersion: "v1", kind: "Thing", name: "o1", uid: "u1" },
      { apiVersion: "v1", kind: "Thing", name: "o2", uid: "u2" },
    ];
    const cr = (name: string, more: object = {}) => ({
      apiVersion: "v1",
      kind: "Thing",
      metadata: { name, uid: name, ownerReferences: owners },
      spec: { x: 1 },
      ...more,
    });
    const body = `{"apiVersion":"v1","items":${JSON.stringify([cr("a"), cr("b"), cr("c", { spec: { refs: owners } })])},"kind":"ThingList","metadata":{"continue":"","resourceVersion":"7"}}`;
    // Go sorts an unstructured list's keys: items is not last, so the page is parsed whole.
    expect(read(body)).toEqual({ items: parsed(body), cut: false });
    const last = `{"apiVersion":"v1","kind":"ThingList","metadata":{"resourceVersion":"7"},"items":${JSON.stringify([cr("a"), cr("b"), cr("c", { spec: { refs: owners } })])}}`;
    expect(read(last)).toEqual({ items: parsed(last), cut: true });
  });

  it("read empty, null and unusual lists whole or as empty", () => {
    for (const body of [
      typed([]),
      typed([]).replace('"items":[]', '"items":null'),
      `{"metadata":{},"items":[ ]}`,
      JSON.stringify(JSON.parse(typed([thing("a"), thing("b")])), null, 2),
    ]) {
      const items = (JSON.parse(body) as { items: unknown[] | null }).items ?? [];
      expect(read(body).items).toHaveLength(items.length);
    }
    expect(
      read(`{"metadata":{},"items":[{"metadata":{"name":"a"}}, {"metadata":{"name":"b"}}]}`).items.map(
        (o) => o.metadata.name,
      ),
    ).toEqual(["a", "b"]);
    // metadata after the items (with the continue token): parsed whole, the token kept
    const after = `{"items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"}}],"x":[1],"metadata":{"continue":"c"},"y":[2]}`;
    expect(readListPage(Buffer.from(after)).metadata).toEqual({ continue: "c" });
    expect(read(after).items.map((o) => o.metadata.name)).toEqual(["a", "b"]);
  });

  it("skip objects a restarted list yields again, by uid, as they are read", () => {
    const seen = new Set<string>(["uid-b"]);
    const { items } = read(typed([thing("a"), thing("b"), thing("c")]), seen);
    expect(items.map((o) => o.metadata.name)).toEqual(["a", "c"]);
    expect([...seen].sort()).toEqual(["uid-a", "uid-b", "uid-c"]);
  });

  it("keep a list's uids without a Set until it restarts, then answer for all of them", () => {
    const uids = new YieldedUids();
    uids.add("a");
    expect(uids.has("a")).toBe(false); // no restart: no uid can come again
    uids.restarted();
    uids.add("b");
    expect(["a", "b", "c"].map((u) => uids.has(u))).toEqual([true, true, false]);
    const { items } = read(typed([thing("a"), thing("b"), thing("c")]), new Set(["uid-b"]));
    expect(items.map((o) => o.metadata.name)).toEqual(["a", "c"]);
  });

  it("fail on a body that is not JSON, as JSON.parse does", () => {
    expect(() => read(`{"metadata":{},"items":[{"metadata":{"name":"a"}},{"metadata":{"name":`)).toThrow(SyntaxError);
    expect(() =>
      read(`{"kind":"ThingList","metadata":{},"items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"},}]}`),
    ).toThrow(SyntaxError);
  });
});

describe("ItemPage with omitManagedFields", () => {
  const managed = [{ manager: "kubectl", operation: "Update", fieldsV1: { "f:data": { ".": {}, 'f:"]},"x': {} } } }];
  const read = (body: string) => {
    const buf = Buffer.from(body);
    const page = readListPage(buf);
    return [...new ItemPage(buf, page.bounds, page.objects, "v1", "Thing", new Set(), true)];
  };

  it("leaves out exactly the items' own metadata.managedFields, wherever they stand in metadata", () => {
    const items = [
      {
        metadata: { name: "last", uid: "1", managedFields: managed },
        spec: { template: { metadata: { managedFields: managed } } },
      },
      { metadata: { name: "middle", managedFields: managed, labels: { a: '"managedFields":[' } }, data: { k: "v" } },
      { metadata: { name: "only-metadata", annotations: { x: ',"managedFields":[]' }, managedFields: [] } },
      { metadata: { name: "none" }, spec: { template: { metadata: { name: "t", managedFields: managed } } } },
    ];
    const got = read(typed(items));
    const want = parsed(typed(items)).map((o) => {
      delete o.metadata.managedFields;
      return o;
    });
    expect(got).toEqual(want);
    // nested ones stay: only the item's own metadata loses them
    const template = (got[3] as unknown as { spec: { template: { metadata: { managedFields: unknown } } } }).spec
      .template;
    expect(template.metadata.managedFields).toEqual(managed);
  });

  it("cuts exactly also where the array's first ']' is not its end (a ']' in a string, a nested array), on the rest of the page too", () => {
    const plain = [{ manager: "m", operation: "Apply", fieldsV1: { "f:data": { ".": {} } } }];
    const nested = [{ manager: "m", extra: [[1], []] }, ...plain];
    const inString = [{ manager: "m]", fieldsV1: { 'f:"]}},"': {} } }];
    const items = [
      { metadata: { name: "a", managedFields: plain }, data: { k: "]" } },
      { metadata: { name: "b", managedFields: nested, labels: { l: "]" } }, data: { k: "v" } },
      { metadata: { name: "c", managedFields: inString }, data: { k: "]}," } },
      { metadata: { name: "d", managedFields: plain, annotations: { x: "[]" } }, data: { k: "v" } },
      { metadata: { name: "e", uid: "]", managedFields: nested }, data: { k: "v" } },
      { metadata: { name: "f", managedFields: plain } },
    ];
    for (const order of [items, [...items].reverse()]) {
      const want = parsed(typed(order)).map((o) => {
        delete o.metadata.managedFields;
        return o;
      });
      expect(read(typed(order))).toEqual(want);
    }
  });

  it("cuts exactly for 3,000 pages with random values in managedFields (strings and arrays with brackets, quotes, escapes)", () => {
    // deterministic choices: the bytes of sha256 over a counter
    let n = 0;
    const rnd = (k: number) => createHash("sha256").update(String(n++)).digest().readUInt32LE(0) % k;
    const PIECES = ["]", "[", "]}", '"', "\\", "},", ",", ":", "]},{", "a", "é", "\n"];
    const value = (depth: number): unknown => {
      const r = rnd(depth > 2 ? 3 : 5);
      if (r === 0) return Array.from({ length: rnd(4) }, () => PIECES[rnd(PIECES.length)]).join("");
      if (r === 1) return rnd(100);
      if (r === 2) return null;
      if (r === 3) return Array.from({ length: rnd(3) }, () => value(depth + 1));
      return Object.fromEntries(
        Array.from({ length: rnd(3) }, () => [`f:${PIECES[rnd(PIECES.length)]}`, value(depth + 1)]),
      );
    };
    const items = Array.from({ length: 3000 }, (_, i) => ({
      metadata: { name: `n${i}`, labels: { l: String(value(3)) }, managedFields: [value(1), { manager: "m" }] },
      data: { k: value(2) },
    }));
    // a page each (a failed guess stops guessing for the rest of its page), with a plain item after it
    const after = { metadata: { name: "z", managedFields: [{ manager: "m" }] } };
    const differ: string[] = [];
    for (const item of items) {
      const body = typed([item, after]);
      const want = parsed(body).map((o) => {
        delete o.metadata.managedFields;
        return o;
      });
      if (readListPage(Buffer.from(body)).objects || JSON.stringify(read(body)) !== JSON.stringify(want))
        differ.push(body);
    }
    expect(differ).toEqual([]);
  });

  it("parses items that do not start with their metadata as they are", () => {
    const cr = { apiVersion: "v1", kind: "Thing", metadata: { name: "a", managedFields: managed } };
    const body = `{"metadata":{},"items":[${JSON.stringify(cr)}]}`;
    expect(read(body)).toEqual(parsed(body));
  });
});
