import { describe, expect, it } from "vitest";
import type { KubeObject } from "@kubedump/kube";
import { sanitize } from "./sanitize.js";

// What the server sets is removed field by field against the real API server in engine.test.ts;
// this covers what a copying sanitize has to get right besides: key order and unusual keys.
describe("sanitize", () => {
  it("keeps the order of the keys it keeps, apiVersion, kind and metadata first", () => {
    const obj =
      JSON.parse(`{"kind":"Widget","spec":{"b":1,"a":2},"apiVersion":"example.io/v1","zeta":1,"status":{"x":1},
      "metadata":{"uid":"u","name":"w","resourceVersion":"7","namespace":"n","labels":{"z":"1","a":"2"},
      "annotations":{"deployment.kubernetes.io/revision":"3","note":"kept","kubectl.kubernetes.io/last-applied-configuration":"{}"},
      "managedFields":[{}],"finalizers":["f"]},"alpha":true}`) as KubeObject;
    const out = sanitize(obj);
    expect(Object.keys(out)).toEqual(["apiVersion", "kind", "metadata", "spec", "zeta", "alpha"]);
    expect(Object.keys(out.metadata)).toEqual(["name", "namespace", "labels", "annotations", "finalizers"]);
    expect(out.metadata.annotations).toEqual({ note: "kept" });
    expect(Object.keys(out.metadata.labels ?? {})).toEqual(["z", "a"]);
  });

  it("drops annotations that only held what the server set", () => {
    const out = sanitize({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "c", annotations: { "deployment.kubernetes.io/revision": "1" } },
    });
    expect(out.metadata).toEqual({ name: "c" });
    expect(
      sanitize({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", annotations: {} } }).metadata,
    ).toEqual({ name: "c" });
  });

  it("keeps a field named __proto__ as data, as JSON.parse made it", () => {
    const obj = JSON.parse(
      '{"apiVersion":"example.io/v1","kind":"Widget","metadata":{"name":"w"},"__proto__":{"polluted":1}}',
    ) as KubeObject;
    const out = sanitize(obj) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(["apiVersion", "kind", "metadata", "__proto__"]);
    expect(Object.getOwnPropertyDescriptor(out, "__proto__")?.value).toEqual({ polluted: 1 });
  });
});
