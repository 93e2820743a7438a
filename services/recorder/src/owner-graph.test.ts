import type { KubeObject } from "@kubedump/kube";
import { describe, expect, it } from "vitest";
import { OwnerGraph } from "./owner-graph.js";

const obj = (uid: string, ...owners: string[]): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: {
    name: uid,
    uid,
    ownerReferences: owners.map((o) => ({ apiVersion: "v1", kind: "ConfigMap", name: o, uid: o })),
  },
});

/** A graph with a root `app` and what onMoved said, by call. */
function setup() {
  const moved: string[][] = [];
  const graph = new OwnerGraph((types) => moved.push([...types].sort()));
  const root = graph.rootObserver();
  root.seen(obj("app"));
  const rs = graph.observerOf("replicasets");
  const pods = graph.observerOf("pods");
  moved.length = 0;
  return { graph, moved, root, rs, pods };
}

const members = (graph: OwnerGraph, uids: string[]) => uids.filter((u) => graph.isMember(u));

describe("OwnerGraph", () => {
  it("takes what the owner chain reaches, whichever arrives first, and moves the others' types", () => {
    const { graph, moved, rs, pods } = setup();
    pods.seen(obj("pod-1", "rs-1"));
    expect(members(graph, ["pod-1"])).toEqual([]);
    expect(moved).toEqual([]);
    rs.seen(obj("rs-1", "app"));
    expect(members(graph, ["rs-1", "pod-1"])).toEqual(["rs-1", "pod-1"]);
    // rs-1's own recorder decides it; pod-1 came in without a change of its own.
    expect(moved).toEqual([["pods"]]);
  });

  it.each([
    ["loses its owner", (o: ReturnType<typeof setup>) => o.rs.seen(obj("rs-1"))],
    ["is deleted", (o: ReturnType<typeof setup>) => o.rs.deleted(obj("rs-1", "app"))],
    [
      "is not listed again",
      (o: ReturnType<typeof setup>) => {
        o.rs.listing();
        o.rs.listed();
      },
    ],
    ["goes with the target", (o: ReturnType<typeof setup>) => o.root.deleted(obj("app"))],
  ])("drops the dependants of an owner that %s", (_, change) => {
    const o = setup();
    o.rs.seen(obj("rs-1", "app"));
    o.pods.seen(obj("pod-1", "rs-1"));
    o.moved.length = 0;
    change(o);
    expect(members(o.graph, ["rs-1", "pod-1"])).toEqual([]);
    expect(o.moved.flat()).toContain("pods");
  });

  it("keeps an object with a second owner in the application, and survives an owner cycle", () => {
    const { graph, rs, pods } = setup();
    rs.seen(obj("rs-1", "app"));
    rs.seen(obj("rs-2", "app"));
    pods.seen(obj("pod-1", "rs-1", "rs-2"));
    rs.seen(obj("rs-1"));
    expect(members(graph, ["rs-1", "rs-2", "pod-1"])).toEqual(["rs-2", "pod-1"]);
    pods.seen(obj("a", "b"));
    pods.seen(obj("b", "a"));
    expect(members(graph, ["a", "b"])).toEqual([]);
    pods.seen(obj("a", "b", "pod-1"));
    expect(members(graph, ["a", "b"])).toEqual(["a", "b"]);
  });

  it("holds only objects that have owners, and forgets a type no longer served", () => {
    const { graph, rs, pods } = setup();
    pods.seen(obj("lonely"));
    rs.seen(obj("rs-1", "app"));
    pods.seen(obj("pod-1", "rs-1"));
    expect(graph.size).toBe(2);
    graph.dropType("replicasets");
    expect(graph.size).toBe(1);
    expect(graph.isMember("pod-1")).toBe(false);
  });
});
