import { KubeApiError } from "@kubedump/kube";
import { type SeededCluster, seedCluster } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PageSink } from "./dump-sink.js";
import { type DumpOptions, runDump } from "./index.js";
import { BLOG, blogAll, client, env, memorySink, P, SHOP, shopAll } from "./test-support.js";

let seeded: SeededCluster;

beforeAll(async () => {
  seeded = await seedCluster(env, P);
});
afterAll(() => client.close());

describe("includeNamespaces picking few namespaces", () => {
  /** The LISTs a dump sends: a recording wrapper around the real client. */
  async function lists(opts: DumpOptions): Promise<{ paths: string[]; lists: string[] }> {
    const sent: string[] = [];
    const spy = Object.create(client) as typeof client;
    spy.requestBody = (method, path, o) => {
      if (method === "GET" && o?.query?.limit !== undefined) sent.push(path);
      return client.requestBody(method, path, o);
    };
    const sink = memorySink();
    await runDump({ client: spy, sink }, opts);
    return { paths: [...sink.files.keys()].sort(), lists: sent };
  }

  it("lists their namespaced types namespace by namespace, with the same result as cluster-wide", async () => {
    const { paths, lists: sent } = await lists({
      scope: { type: "cluster" },
      includeNamespaces: [`${P}-*`],
      includeClusterResources: true,
      labelSelector: `team=${P}`,
    });
    expect(sent).toContain(`/api/v1/namespaces/${SHOP}/configmaps`);
    expect(sent).toContain(`/api/v1/namespaces/${BLOG}/configmaps`);
    expect(sent).not.toContain("/api/v1/configmaps");
    // Cluster-scoped types are still listed once.
    expect(sent.filter((p) => p === "/apis/rbac.authorization.k8s.io/v1/clusterroles")).toHaveLength(1);
    expect(paths).toEqual(
      [
        `cluster/namespaces/${BLOG}.yaml`,
        `cluster/namespaces/${SHOP}.yaml`,
        ...seeded.clusterRoles.map((r) => `cluster/clusterroles.rbac.authorization.k8s.io/${r}.yaml`),
      ].sort(),
    );
  });

  it("lists the namespaces alongside discovery, not after it", async () => {
    const events: string[] = [];
    const spy = Object.create(client) as typeof client;
    spy.requestBody = (method, path, o) => {
      events.push(`sent ${path}`);
      return client.requestBody(method, path, o).finally(() => events.push(`answered ${path}`));
    };
    await runDump(
      { client: spy, sink: memorySink() },
      { scope: { type: "cluster" }, includeNamespaces: [SHOP], includeResources: ["configmaps"] },
    );
    const sent = events.indexOf("sent /api/v1/namespaces");
    expect(sent).toBeGreaterThanOrEqual(0);
    expect(sent).toBeLessThan(events.indexOf("answered /apis"));
    expect(events).toContain(`sent /api/v1/namespaces/${SHOP}/configmaps`);
  });

  it("reports a type whose LIST fails in some namespaces once, with a warning per namespace", async () => {
    // The real client, except that listing Secrets in a namespace is refused, as RBAC would.
    const spy = Object.create(client) as typeof client;
    spy.requestBody = (method, path, o) => {
      if (/^\/api\/v1\/namespaces\/[^/]+\/secrets$/.test(path))
        return Promise.reject(new KubeApiError(403, "Forbidden", `GET ${path}: 403 Forbidden`));
      return client.requestBody(method, path, o);
    };
    const sink = memorySink();
    const result = await runDump(
      { client: spy, sink },
      { scope: { type: "cluster" }, includeNamespaces: [SHOP, BLOG] },
    );
    expect(result.failedResources).toEqual(["secrets"]);
    expect(result.warnings.filter((w) => w.startsWith("listing secrets")).sort()).toEqual(
      [BLOG, SHOP]
        .sort()
        .map(
          (ns) =>
            `listing secrets in namespace ${ns} failed, its objects there are not in this snapshot: GET /api/v1/namespaces/${ns}/secrets: 403 Forbidden`,
        ),
    );
    expect([...sink.files.keys()].sort()).toEqual(
      [...shopAll, ...blogAll].filter((p) => !p.includes("/secrets/")).sort(),
    );
  });

  it("sends the first LISTs of the next types while a type's pages are still being read, and writes the same", async () => {
    const sent: string[] = [];
    const spy = Object.create(client) as typeof client;
    spy.requestBody = (method, path, o) => {
      if (method === "GET" && o?.query?.limit !== undefined) sent.push(o.query.continue ? `${path} (more)` : path);
      return client.requestBody(method, path, o);
    };
    const opts: DumpOptions = { scope: { type: "namespace", namespace: SHOP }, pageSize: 1 };
    const sink = memorySink();
    await runDump({ client: spy, sink }, opts);
    // pods come one per page here: a later type's first LIST went out before their last page
    const pods = `/api/v1/namespaces/${SHOP}/pods`;
    const lastPodsPage = sent.lastIndexOf(`${pods} (more)`);
    expect(lastPodsPage).toBeGreaterThan(sent.indexOf(pods));
    // core types after pods in the plan (it goes by key: a core type's key is its resource name)
    const core = `/api/v1/namespaces/${SHOP}/`;
    const later = sent
      .slice(0, lastPodsPage)
      .filter((p) => p.startsWith(core) && !p.endsWith("(more)") && p.slice(core.length) > "pods");
    expect(later.length).toBeGreaterThan(0);
    // and the archive is the one a page at a time gives
    const plain = memorySink();
    await runDump({ client, sink: plain }, { ...opts, pageSize: 500 });
    expect([...sink.files.keys()]).toEqual([...plain.files.keys()]);
    expect([...sink.files.values()]).toEqual([...plain.files.values()]);
  });

  it("reports a LIST answer that is not JSON as a failed listing and goes on", async () => {
    const spy = Object.create(client) as typeof client;
    spy.requestBody = async (method, path, o) => {
      const body = await client.requestBody(method, path, o);
      if (path !== `/api/v1/namespaces/${SHOP}/configmaps`) return body;
      // The list's head and the cut are fine; its last item is broken.
      const text = body.toString("utf8").trimEnd();
      if (!text.endsWith("}]}")) throw new Error(`unexpected list ending: ${text.slice(-20)}`);
      return Buffer.from(`${text.slice(0, -3)},}]}`);
    };
    const sink = memorySink();
    const result = await runDump(
      { client: spy, sink },
      { scope: { type: "cluster" }, includeNamespaces: [SHOP, BLOG] },
    );
    expect(result.failedResources).toEqual(["configmaps"]);
    expect(result.warnings.filter((w) => w.startsWith("listing configmaps"))).toEqual([
      expect.stringMatching(
        new RegExp(
          `^listing configmaps in namespace ${SHOP} failed, its objects there are not in this snapshot: .*JSON`,
        ),
      ),
    ]);
    const paths = [...sink.files.keys()];
    expect(paths.some((p) => p.startsWith(`namespaces/${SHOP}/configmaps/`))).toBe(false);
    expect(paths.some((p) => p.startsWith(`namespaces/${BLOG}/configmaps/`))).toBe(true);
    expect(paths.some((p) => p.startsWith(`namespaces/${SHOP}/secrets/`))).toBe(true);
  });

  it("lists cluster-wide when more than three namespaces match", async () => {
    const { paths, lists: sent } = await lists({
      scope: { type: "cluster" },
      includeNamespaces: ["*"],
      includeResources: ["configmaps"],
      labelSelector: "app=web",
    });
    expect(sent).toContain("/api/v1/configmaps");
    expect(sent.some((p) => p.startsWith("/api/v1/namespaces/") && p.endsWith("/configmaps"))).toBe(false);
    // Other test files seed their own namespaces on this server: look at ours.
    expect(paths.filter((p) => p.startsWith(`namespaces/${P}-`))).toEqual([
      `namespaces/${SHOP}/configmaps/web-config.yaml`,
    ]);
  });
});

describe("a dump that fails with pages still waiting for their digests", () => {
  it("rejects only once the pages it gave the sink are in it, and gives it nothing after", async () => {
    const added: string[] = [];
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const aborting = new AbortController();
    const sink: PageSink<number> = {
      // the first page's digests come late; the dump is stopped meanwhile, between pages
      digest: async (entries) => {
        if (added.length === 0 && !aborting.signal.aborted) {
          aborting.abort(new Error("stopped between pages"));
          setTimeout(release, 300);
          await held;
        }
        return entries.length;
      },
      addPage: async (entries, digests) => {
        added.push(`${entries.length}/${digests}`);
      },
    };
    const stopped = runDump(
      { client, sink, signal: aborting.signal },
      { scope: { type: "namespace", namespace: SHOP } },
    );
    await expect(stopped).rejects.toThrow("stopped between pages");
    expect(added).toHaveLength(1); // the held page went in before the dump rejected
    const after = added.length;
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(added).toHaveLength(after);
  });
});
