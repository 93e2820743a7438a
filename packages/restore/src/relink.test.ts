import type { OwnerReference } from "@kubedump/kube";
import { describe, expect, it } from "vitest";
import { type OwnerLookup, type OwnerQuery, relinkOwners } from "./relink.js";
import { obj } from "./test-builders.js";

const ref = (kind: string, name: string, uid: string, extra: Partial<OwnerReference> = {}): OwnerReference => ({
  apiVersion: kind === "Widget" ? "example.com/v1" : "apps/v1",
  kind,
  name,
  uid,
  ...extra,
});

/** An in-memory cluster: `kind/namespace/name` → uid; records every query. */
function cluster(objects: Record<string, string>) {
  const queries: OwnerQuery[] = [];
  const lookup: OwnerLookup = async (q) => {
    queries.push(q);
    return objects[`${q.kind}/${q.namespace ?? ""}/${q.name}`];
  };
  return { lookup, queries };
}

const dependent = (owners?: OwnerReference[], namespace: string | null = "prod") =>
  obj("v1", "ConfigMap", {
    name: "c",
    ...(namespace ? { namespace } : {}),
    labels: { a: "1" },
    ...(owners ? { ownerReferences: owners } : {}),
  });

describe("relinkOwners", () => {
  const uids = new Map([
    ["old-deploy", "new-deploy"],
    ["old-rs", "new-rs"],
  ]);

  it.each([
    [
      "an owner restored in this run gets its new uid",
      [ref("Deployment", "web", "old-deploy", { controller: true, blockOwnerDeletion: true })],
      {},
      [ref("Deployment", "web", "new-deploy", { controller: true, blockOwnerDeletion: true })],
      [],
      [],
    ],
    [
      "an owner outside the snapshot is found in the cluster",
      [ref("Widget", "w", "old-widget")],
      { "Widget/prod/w": "cluster-widget" },
      [ref("Widget", "w", "cluster-widget")],
      ["w"],
      [],
    ],
    [
      "an owner nowhere is dropped",
      [ref("Widget", "gone", "old-gone")],
      {},
      undefined,
      [],
      ["owner Widget gone is neither restored nor in the cluster in namespace prod: ownerReference dropped"],
    ],
    [
      "a mix keeps the order of what is kept",
      [ref("Widget", "gone", "old-gone"), ref("ReplicaSet", "web-1", "old-rs"), ref("Widget", "w", "old-widget")],
      { "Widget/prod/w": "cluster-widget" },
      [ref("ReplicaSet", "web-1", "new-rs"), ref("Widget", "w", "cluster-widget")],
      ["w"],
      ["owner Widget gone is neither restored nor in the cluster in namespace prod: ownerReference dropped"],
    ],
  ])("%s", async (_, owners, existing, expectedRefs, found, dropped) => {
    const input = dependent(owners);
    const before = structuredClone(input);
    const result = await relinkOwners(input, uids, cluster(existing).lookup);
    expect(result.object.metadata.ownerReferences).toEqual(expectedRefs);
    expect(result.object.metadata.labels).toEqual({ a: "1" });
    expect(result.found.map((r) => r.name)).toEqual(found);
    expect(result.dropped.map((d) => d.reason)).toEqual(dropped);
    expect(input).toEqual(before);
  });

  it("asks the cluster only about owners it has no uid for, in the dependent's namespace", async () => {
    const { lookup, queries } = cluster({});
    await relinkOwners(dependent([ref("Deployment", "web", "old-deploy"), ref("Widget", "w", "x")]), uids, lookup);
    expect(queries).toEqual([{ apiVersion: "example.com/v1", kind: "Widget", name: "w", namespace: "prod" }]);
  });

  it("asks without a namespace for a cluster-scoped dependent", async () => {
    const { lookup, queries } = cluster({ "Widget//w": "u" });
    const result = await relinkOwners(dependent([ref("Widget", "w", "x")], null), uids, lookup);
    expect(queries).toEqual([{ apiVersion: "example.com/v1", kind: "Widget", name: "w" }]);
    expect(result.object.metadata.ownerReferences?.[0]?.uid).toBe("u");
  });

  it("returns an object without owners as it is", async () => {
    const input = dependent();
    const result = await relinkOwners(input, uids, cluster({}).lookup);
    expect(result.object).toBe(input);
  });

  it("rejects when a lookup fails", async () => {
    const failing: OwnerLookup = async () => {
      throw new Error("the API server is unreachable");
    };
    await expect(relinkOwners(dependent([ref("Widget", "w", "x")]), uids, failing)).rejects.toThrow("unreachable");
  });
});
