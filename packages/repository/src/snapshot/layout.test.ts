import { describe, expect, it } from "vitest";
import {
  partFileName,
  pathFor,
  resourceKey,
  snapshotIdOfKey,
  snapshotIndexKey,
  snapshotManifestKey,
  snapshotPartKey,
  snapshotPrefix,
} from "./layout.js";

const ID = "20261126T020000Z-0a1b2c3d";

describe("pathFor", () => {
  it.each([
    [{ group: "", resource: "events", namespace: "prod", name: "web.17f" }, "namespaces/prod/events/web.17f.yaml"],
    [
      { group: "events.k8s.io", resource: "events", namespace: "prod", name: "web.17f" },
      "namespaces/prod/events.events.k8s.io/web.17f.yaml",
    ],
    [
      { group: "apps", resource: "deployments", namespace: "prod", name: "web" },
      "namespaces/prod/deployments.apps/web.yaml",
    ],
    [{ group: "", resource: "namespaces", name: "prod" }, "cluster/namespaces/prod.yaml"],
    [{ group: "", resource: "persistentvolumes", namespace: "", name: "pv-1" }, "cluster/persistentvolumes/pv-1.yaml"],
    [
      { group: "rbac.authorization.k8s.io", resource: "clusterroles", name: "system:controller:job" },
      "cluster/clusterroles.rbac.authorization.k8s.io/system:controller:job.yaml",
    ],
    [
      { group: "example.com", resource: "widgets", namespace: "a", name: "x".repeat(200) },
      `namespaces/a/widgets.example.com/${"x".repeat(200)}.yaml`,
    ],
  ])("%o → %s", (object, expected) => {
    expect(pathFor(object)).toBe(expected);
  });

  it("keeps a core kind and a custom kind with the same plural apart", () => {
    const core = pathFor({ group: "", resource: "events", namespace: "n", name: "e" });
    const custom = pathFor({ group: "events.k8s.io", resource: "events", namespace: "n", name: "e" });
    expect(core).not.toBe(custom);
  });

  it.each([
    ["a name with a slash", { group: "", resource: "configmaps", namespace: "n", name: "a/b" }],
    ["a name ..", { group: "", resource: "configmaps", namespace: "n", name: ".." }],
    ["an empty name", { group: "", resource: "configmaps", namespace: "n", name: "" }],
    ["a namespace ..", { group: "", resource: "configmaps", namespace: "..", name: "a" }],
    ["an empty resource", { group: "apps", resource: "", name: "a" }],
    ["a group with a slash", { group: "a/b", resource: "x", name: "a" }],
  ])("rejects %s", (_label, object) => {
    expect(() => pathFor(object)).toThrow(TypeError);
  });
});

describe("resourceKey", () => {
  it.each([
    [{ group: "", resource: "configmaps" }, "configmaps"],
    [{ group: "apps", resource: "deployments" }, "deployments.apps"],
  ])("%o → %s", (object, expected) => {
    expect(resourceKey(object)).toBe(expected);
  });
});

describe("snapshot keys", () => {
  it.each([
    [snapshotPrefix(ID), `snapshots/${ID}/`],
    [snapshotManifestKey(ID), `snapshots/${ID}/snapshot.json`],
    [snapshotIndexKey(ID), `snapshots/${ID}/index.json.gz`],
    [snapshotPartKey(ID, 0), `snapshots/${ID}/parts/00000.tar.gz`],
    [snapshotPartKey(ID, 12345), `snapshots/${ID}/parts/12345.tar.gz`],
  ])("%s", (actual, expected) => {
    expect(actual).toBe(expected);
  });

  it("rejects a malformed id instead of building a key from it", () => {
    expect(() => snapshotManifestKey("../../etc")).toThrow(/not a snapshot id/);
  });

  it("pads part numbers so that listing order is part order", () => {
    const numbers = [0, 1, 2, 9, 10, 11, 99, 100, 1000, 99999];
    const keys = numbers.map((n) => snapshotPartKey(ID, n));
    expect([...keys].sort()).toEqual(keys);
  });

  it.each([-1, 1.5, 100000, Number.NaN])("rejects part number %s", (n) => {
    expect(() => partFileName(n)).toThrow(RangeError);
  });

  it.each([
    [`snapshots/${ID}/snapshot.json`, ID],
    [`snapshots/${ID}/parts/00001.tar.gz`, ID],
    [`snapshots/${ID}`, undefined],
    ["snapshots/not-an-id/snapshot.json", undefined],
    ["repository.json", undefined],
  ])("snapshotIdOfKey(%s) is %s", (key, expected) => {
    expect(snapshotIdOfKey(key)).toBe(expected);
  });
});
