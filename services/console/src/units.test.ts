import type { Repository } from "@kubedump/repository";
import { describe, expect, it } from "vitest";
import { deniedAccess } from "./access.js";
import { loadConfig } from "./config.js";
import type { KubeAuth } from "./kube-auth.js";
import { maskSecretYaml } from "./secret-mask.js";
import { createSummaryCache, findObject, pageOf, selectObjects } from "./snapshot-summary.js";

const record = (namespace: string | undefined, resource: string, name: string, part = 0) => ({
  path: "",
  group: "",
  version: "v1",
  resource,
  kind: resource === "configmaps" ? "ConfigMap" : "Namespace",
  namespace,
  name,
  uid: name,
  sha256: name.padEnd(64, "0"),
  bytes: name.length,
  part,
});

/** An in-memory double of the Repository's readIndex, counting reads. */
function indexOnly(records: ReturnType<typeof record>[]) {
  let reads = 0;
  const repository = {
    async *readIndex() {
      reads++;
      yield* records;
    },
  } as unknown as Repository;
  return { repository, reads: () => reads };
}

describe("snapshot summary", () => {
  const names = ["b", "a", "d", "c", "e"];
  const records = [record(undefined, "namespaces", "ns"), ...names.map((n, i) => record("ns", "configmaps", n, i % 2))];

  it("pages names in order with an after cursor, and reads the index once per snapshot", async () => {
    const { repository, reads } = indexOnly(records);
    const summary = createSummaryCache(2);
    const s = await summary("r", repository, "id1");
    const where = { namespace: "ns", resource: "configmaps", group: "" };
    expect(pageOf(s, { ...where, limit: 2 })).toMatchObject({ items: [{ name: "a" }, { name: "b" }], next: "b" });
    expect(pageOf(s, { ...where, after: "b", limit: 2 }).next).toBe("d");
    expect(pageOf(s, { ...where, after: "d", limit: 2 })).toMatchObject({ items: [{ name: "e" }], next: null });
    expect(pageOf(s, { ...where, after: "bb", limit: 10 }).items.map((i) => i.name)).toEqual(["c", "d", "e"]);
    await summary("r", repository, "id1");
    expect(reads()).toBe(1);
  });

  it("drops the least recently used snapshot beyond its size", async () => {
    const { repository, reads } = indexOnly(records);
    const summary = createSummaryCache(2);
    for (const id of ["1", "2", "1", "3", "1", "2"]) await summary("r", repository, id);
    expect(reads()).toBe(4); // 1, 2, 3, then 2 again (dropped when 3 came; 1 was used since)
  });

  it("finds an object with its part and archive path; 404 naming a missing one", async () => {
    const s = await createSummaryCache(1)("r", indexOnly(records).repository, "id");
    expect(findObject(s, { namespace: "ns", resource: "configmaps", group: "", name: "d" })).toMatchObject({
      part: 0,
      path: "namespaces/ns/configmaps/d.yaml",
    });
    expect(findObject(s, { namespace: "", resource: "namespaces", group: "", name: "ns" }).path).toBe(
      "cluster/namespaces/ns.yaml",
    );
    expect(() => findObject(s, { namespace: "ns", resource: "configmaps", group: "", name: "z" })).toThrow(/"z"/);
    expect(selectObjects(s, {}).length).toBe(records.length);
    expect(selectObjects(s, { namespace: "ns" }).length).toBe(names.length);
  });
});

describe("maskSecretYaml", () => {
  it("replaces every value of data and stringData and the last-applied annotation, keeping the keys", () => {
    const yaml = [
      "apiVersion: v1",
      "kind: Secret",
      "metadata:",
      "  name: db",
      "  annotations:",
      '    kubectl.kubernetes.io/last-applied-configuration: \'{"data":{"password":"c2VjcmV0"}}\'',
      "data:",
      "  password: c2VjcmV0",
      "stringData:",
      "  user: admin",
      "",
    ].join("\n");
    const masked = maskSecretYaml(yaml);
    expect(masked).not.toContain("c2VjcmV0");
    expect(masked).not.toContain("admin");
    expect(masked).toContain("password: '***'");
    expect(masked).toContain("user: '***'");
    expect(masked).toContain("name: db");
  });
});

describe("loadConfig", () => {
  it("takes the defaults and names a bad variable without echoing its value", () => {
    expect(loadConfig({})).toMatchObject({ HTTP_PORT: 8080, AUTH_CACHE_SECONDS: 30, TRUST_PROXY: "false" });
    expect(() => loadConfig({ CSRF_KEY: "short-secret-value" })).toThrow(/CSRF_KEY: must be at least 32/);
    expect(() => loadConfig({ CSRF_KEY: "short-secret-value" })).not.toThrow(/short-secret-value/);
  });
});

describe("deniedAccess", () => {
  // An in-memory double of our own KubeAuth: types allowed by resource name, every ask counted.
  const authAllowing = (allowed: Set<string>) => {
    const asked: string[] = [];
    const auth = {
      authenticate: async () => undefined,
      allowed: async (_user: unknown, a: { resource: string; name?: string }) => {
        asked.push(`${a.resource}/${a.name ?? "*"}`);
        return allowed.has(a.resource);
      },
      require: async () => {},
    } as unknown as KubeAuth;
    return { auth, asked };
  };
  const user = { username: "u", groups: [] };
  const many = (resource: string, n: number) =>
    Array.from({ length: n }, (_, i) => ({ group: "", resource, namespace: "ns", name: `${resource}-${i}` }));

  it("asks once per type however many objects a selection holds (200,000 here)", async () => {
    const { auth, asked } = authAllowing(new Set(["configmaps", "services"]));
    const objects = [...many("configmaps", 150_000), ...many("services", 50_000)];
    expect(await deniedAccess(auth, user, objects)).toBeUndefined();
    expect(asked.sort()).toEqual(["configmaps/*", "services/*"]);
  });

  it("names the type denied as a whole when it holds more than MAX_NAMED_CHECKS objects", async () => {
    const { auth } = authAllowing(new Set(["configmaps"]));
    const objects = [...many("configmaps", 10), ...many("secrets", 1_000)];
    expect(await deniedAccess(auth, user, objects)).toEqual({
      verb: "get",
      group: "",
      resource: "secrets",
      namespace: "ns",
    });
  });
});
