import { describe, expect, it } from "vitest";
import { decodeTopNode, decodeTreeNode } from "./tree-nodes.js";

const HEX = (c: string) => c.repeat(64);

/** A tree object as a writer records it (unencrypted: its blob id is its sha256). */
function object(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    version: "v1",
    kind: "ConfigMap",
    uid: `uid-${name}`,
    blob: HEX("a"),
    sha256: HEX("a"),
    bytes: 10,
    ...extra,
  };
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const objectsNode = (objects: unknown[]) => json({ kind: "objects", objects });
const patchNode = (set: unknown[]) =>
  json({
    kind: "patch",
    base: HEX("b"),
    depth: 1,
    objects: set.length,
    types: [{ group: "", resource: "configmaps", namespace: "ns", set, remove: [] }],
  });

describe("decodeTreeNode: each tree object checked", () => {
  it("takes valid objects, with owners, a controller flag and a sha256 apart from the blob id (encrypted)", () => {
    const owner = { apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs", uid: "u", controller: true };
    const objects = [object("a", { ownerReferences: [owner] }), object("b", { blob: HEX("c") }), object("c")];
    expect(decodeTreeNode("tree blob x", objectsNode(objects), "objects").objects.map((o) => o.name)).toEqual([
      "a",
      "b",
      "c",
    ]);
    expect(decodeTopNode("tree blob p", patchNode(objects)).kind).toBe("patch");
  });

  // The object at index 1 is wrong in one way: the error names its place and field, in an objects
  // node and in a patch's set alike.
  const wrong: [string, unknown, RegExp][] = [
    ["no object", "b", /\[1\]: not a JSON object/],
    ["a name that is no string", object("b", { name: 7 }), /\[1\]\.name: must be a string, got 7/],
    ["no uid", object("b", { uid: undefined }), /\[1\]\.uid: must be a string/],
    ["a kind that is no string", object("b", { kind: null }), /\[1\]\.kind: must be a string, got null/],
    [
      "a blob id of capitals",
      object("b", { blob: HEX("A"), sha256: HEX("A") }),
      /\[1\]\.blob: must be 64 lowercase hex/,
    ],
    ["a short sha256", object("b", { sha256: "abc" }), /\[1\]\.sha256: must be 64 lowercase hex/],
    ["negative bytes", object("b", { bytes: -1 }), /\[1\]\.bytes: must be a whole number from 0/],
    ["fractional bytes", object("b", { bytes: 1.5 }), /\[1\]\.bytes: must be a whole number from 0/],
    ["owners that are no array", object("b", { ownerReferences: {} }), /\[1\]\.ownerReferences: must be an array/],
    [
      "an owner without a uid",
      object("b", { ownerReferences: [{ apiVersion: "v1", kind: "K", name: "n" }] }),
      /\[1\]\.ownerReferences\[0\]\.uid: must be a string/,
    ],
    [
      "a controller flag that is no boolean",
      object("b", { ownerReferences: [{ apiVersion: "v1", kind: "K", name: "n", uid: "u", controller: "yes" }] }),
      /\[1\]\.ownerReferences\[0\]\.controller: must be true or false/,
    ],
  ];
  for (const [what, bad, error] of wrong) {
    it(`refuses ${what}, naming the object's place`, () => {
      const objects = [object("a"), bad, object("c")];
      expect(() => decodeTreeNode("tree blob x", objectsNode(objects), "objects")).toThrow(
        new RegExp(`tree blob x: objects${error.source}`),
      );
      expect(() => decodeTopNode("tree blob p", patchNode(objects))).toThrow(
        new RegExp(`tree blob p: types\\[0\\]\\.set${error.source}`),
      );
    });
  }

  it("reports the first wrong object when several are", () => {
    const objects = [object("a"), object("b", { bytes: -1 }), object("c", { uid: 1 })];
    expect(() => decodeTreeNode("tree blob x", objectsNode(objects), "objects")).toThrow(/objects\[1\]\.bytes/);
  });

  it("wants names in code-point order, surrogate pairs included", () => {
    // "\uFFFD" sorts after "\u{1F600}" in JavaScript's order (code units) but before it in code points
    const ascending = [object("a"), object("\uFFFD"), object("\u{1F600}")];
    expect(decodeTreeNode("tree blob x", objectsNode(ascending), "objects").objects).toHaveLength(3);
    const jsOrder = [object("a"), object("\u{1F600}"), object("\uFFFD")];
    expect(() => decodeTreeNode("tree blob x", objectsNode(jsOrder), "objects")).toThrow(
      /objects\[2\]: names are not in strictly ascending order/,
    );
    const twice = [object("a"), object("b"), object("b")];
    expect(() => decodeTreeNode("tree blob x", objectsNode(twice), "objects")).toThrow(
      /objects\[2\]: names are not in strictly ascending order/,
    );
    expect(() => decodeTopNode("tree blob p", patchNode(twice))).toThrow(
      /types\[0\]\.set\[2\]: names are not in strictly ascending order/,
    );
  });
});

describe("decodeTreeNode: a type node's chunks", () => {
  const chunk = (first: string, extra: Record<string, unknown> = {}) => ({
    first,
    objects: 8,
    tree: HEX("d"),
    ...extra,
  });
  const typeNode = (chunks: unknown[]) =>
    json({ kind: "type", group: "", resource: "configmaps", namespace: "ns", chunks });

  it("gives each chunk's first name, count and tree, and nothing else of it", () => {
    const node = decodeTreeNode("tree blob t", typeNode([chunk("a", { extra: 1 }), chunk("m")]), "type");
    expect(node.chunks).toEqual([
      { first: "a", objects: 8, tree: HEX("d") },
      { first: "m", objects: 8, tree: HEX("d") },
    ]);
    expect(node.namespace).toBe("ns");
  });

  const wrong: [string, unknown, RegExp][] = [
    ["no object", 3, /chunks\[1\]: not a JSON object/],
    ["a first name that is no string", chunk("m", { first: 1 }), /chunks\[1\]\.first: must be a string/],
    ["a negative count", chunk("m", { objects: -2 }), /chunks\[1\]\.objects: must be a whole number from 0/],
    ["a tree that is no id", chunk("m", { tree: "x" }), /chunks\[1\]\.tree: must be 64 lowercase hex/],
  ];
  for (const [what, bad, error] of wrong) {
    it(`refuses a chunk with ${what}`, () => {
      expect(() => decodeTreeNode("tree blob t", typeNode([chunk("a"), bad]), "type")).toThrow(
        new RegExp(`tree blob t: ${error.source}`),
      );
    });
  }

  it("wants the chunks in name order", () => {
    expect(() => decodeTreeNode("tree blob t", typeNode([chunk("m"), chunk("a")]), "type")).toThrow(
      /chunks\[1\]: names are not in strictly ascending order/,
    );
  });
});
