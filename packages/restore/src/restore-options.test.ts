import { apply, kubeHttp } from "@kubedump/testenv";
import { describe, expect, inject, it } from "vitest";
import { MISSING_NAMESPACE_NOTE } from "./missing-namespaces.js";
import { parseNamespaceMappings } from "./namespace-mapping.js";
import type { RestoreOptions } from "./options.js";
import { restoreSnapshot } from "./restore-snapshot.js";
import { statusOf, useSecondCluster } from "./test-support.js";

const env = inject("testenv");
const two = useSecondCluster(env, "ropt");

const restore = (options: RestoreOptions) =>
  restoreSnapshot({ client: two.target, repository: two.repo.repository, snapshotId: two.snapshotId, options });
/** Restores the fixture's namespace into `to`. */
const restoreInto = (to: string, options: RestoreOptions = {}) =>
  restore({
    ...options,
    namespaceMappings: parseNamespaceMappings(`${two.fixture.namespace}:${to}`),
    filters: { includeNamespaces: [two.fixture.namespace], ...options.filters },
  });
const get = async (path: string) => (await kubeHttp(two.cluster, path)).body;
const configMap = (ns: string, name: string) => get(`/api/v1/namespaces/${ns}/configmaps/${name}`);
const widget = (ns: string) => get(`/apis/${two.fixture.group}/v1/namespaces/${ns}/widgets/root`);
const names = (entries: { namespace?: string; name: string }[]) => entries.map((e) => e.name).sort();

describe("restoreSnapshot options", () => {
  it("dry run: the API server checks what it can, the report counts every object created, and nothing persists", async () => {
    const report = await restore({ dryRun: true });

    expect(report.dryRun).toBe(true);
    expect(report.failures()).toEqual([]);
    expect(report.totals()).toMatchObject({ created: 13, failed: 0 });
    const notes = report.noted().flatMap((e) => e.notes ?? []);
    expect(notes.length).toBeGreaterThan(0);
    for (const note of notes)
      expect(note).toMatch(/^dry run: its (namespace \S+|CustomResourceDefinition) is created by this restore/);
    expect(await statusOf(two.cluster, `/api/v1/namespaces/${two.fixture.namespace}`)).toBe(404);
    expect(
      await statusOf(
        two.cluster,
        `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.${two.fixture.group}`,
      ),
    ).toBe(404);
    expect(
      await statusOf(two.cluster, `/apis/rbac.authorization.k8s.io/v1/clusterroles/${two.fixture.clusterRole}`),
    ).toBe(404);
  });

  it("fails what the cluster does not serve after a pass without progress, dependents of it too", async () => {
    const crds = "customresourcedefinitions.apiextensions.k8s.io";
    const report = await restore({ filters: { excludeResources: [crds] }, passDelayMs: 0 });

    const reasons = Object.fromEntries(report.failures().map((e) => [`${e.type}/${e.name}`, e.reason]));
    expect(reasons).toEqual({
      [`widgets.${two.fixture.group}/root`]: `the cluster does not serve widgets.${two.fixture.group} at ${two.fixture.group}/v1 (still after 2 passes)`,
      [`configmaps.${two.fixture.group}/settings`]: `the cluster does not serve configmaps.${two.fixture.group} at ${two.fixture.group}/v1 (still after 2 passes)`,
      "configmaps/chain-middle": "its owner Widget root waits for its type (still after 2 passes)",
      "configmaps/chain-leaf": "its owner ConfigMap chain-middle waits for its type (still after 2 passes)",
    });
    expect(report.totals()).toMatchObject({ created: 7, failed: 4 });
    expect(await statusOf(two.cluster, `/api/v1/namespaces/${two.fixture.namespace}/configmaps/settings`)).toBe(200);
  });

  it("maps a namespace: objects, the Namespace and its name label, binding subjects; owners relinked there", async () => {
    const to = "ropt-copy";
    const report = await restoreInto(to, { filters: { includeClusterResources: true } });

    expect(report.failures()).toEqual([]);
    const copy = await get(`/api/v1/namespaces/${to}`);
    expect(copy.metadata.labels).toMatchObject({ team: "shop", "kubernetes.io/metadata.name": to });
    const binding = await get(`/apis/rbac.authorization.k8s.io/v1/namespaces/${to}/rolebindings/runner-reads`);
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: "runner", namespace: to }]);
    const root = await widget(to);
    expect(root.status).toBeUndefined(); // status only with restoreStatus
    expect((await configMap(to, "chain-middle")).metadata.ownerReferences[0].uid).toBe(root.metadata.uid);
    const middle = await configMap(to, "chain-middle");
    expect((await configMap(to, "chain-leaf")).metadata.ownerReferences[0].uid).toBe(middle.metadata.uid);
    // The ClusterRoleBinding the previous test restored names the old namespace: left as it is, reported.
    const crb = report.byType().find(([type]) => type === "clusterrolebindings.rbac.authorization.k8s.io")!;
    expect(crb[1]).toMatchObject({ exists: 1 });
    expect(await statusOf(two.cluster, `/api/v1/namespaces/${two.fixture.namespace}/configmaps/chain-middle`)).toBe(
      404,
    );
  });

  it("filters by resource and label, and relinks to an owner the cluster has", async () => {
    const to = "ropt-filtered";
    await apply(two.cluster, "/api/v1/namespaces", { metadata: { name: to } });
    const owner = await apply(two.cluster, `/apis/${two.fixture.group}/v1/namespaces/${to}/widgets`, {
      apiVersion: `${two.fixture.group}/v1`,
      kind: "Widget",
      metadata: { name: "root" },
      spec: { color: "already here" },
    });

    const report = await restoreInto(to, {
      filters: { includeResources: ["configmaps"], labelSelector: "part=chain" },
    });

    expect(report.totals()).toEqual({ created: 2, updated: 0, unchanged: 0, exists: 0, skipped: 0, failed: 0 });
    expect(report.noted()).toEqual([]);
    expect((await configMap(to, "chain-middle")).metadata.ownerReferences[0].uid).toBe(owner.metadata.uid);
    expect(await statusOf(two.cluster, `/api/v1/namespaces/${to}/configmaps/settings`)).toBe(404);
  });

  it("drops, and reports, a reference to an owner neither restored nor in the cluster", async () => {
    const to = "ropt-orphan";
    const report = await restoreInto(to, {
      filters: { includeResources: ["configmaps", "namespaces"], labelSelector: "part=chain" },
    });

    expect(report.totals()).toMatchObject({ created: 3, failed: 0 });
    expect(report.noted()).toEqual([
      expect.objectContaining({
        name: "chain-middle",
        namespace: to,
        notes: [`owner Widget root is neither restored nor in the cluster in namespace ${to}: ownerReference dropped`],
      }),
    ]);
    expect((await configMap(to, "chain-middle")).metadata.ownerReferences).toBeUndefined();
  });

  it("creates, and reports, the namespace its objects go into when the restore holds no Namespace for it", async () => {
    const to = "ropt-bare";
    const chainOnly: RestoreOptions = { filters: { includeResources: ["configmaps"], labelSelector: "part=chain" } };
    const dry = await restoreInto(to, { ...chainOnly, dryRun: true });
    expect(dry.failures()).toEqual([]);
    expect(await statusOf(two.cluster, `/api/v1/namespaces/${to}`)).toBe(404);

    const report = await restoreInto(to, chainOnly);

    expect(report.failures()).toEqual([]);
    expect(report.totals()).toMatchObject({ created: 3, failed: 0 });
    expect(report.noted()).toContainEqual({
      type: "namespaces",
      kind: "Namespace",
      name: to,
      outcome: "created",
      notes: [MISSING_NAMESPACE_NOTE],
    });
    expect(await statusOf(two.cluster, `/api/v1/namespaces/${to}/configmaps/chain-leaf`)).toBe(200);
  });

  it("skipOwned leaves the dependents of a restored controller to it, down the chain", async () => {
    const to = "ropt-skip";
    const report = await restoreInto(to, { skipOwned: true });

    expect(names(report.skips())).toEqual(["chain-leaf", "chain-middle"]);
    const reasons = report.skips().map((e) => e.reason);
    expect(reasons).toEqual(
      expect.arrayContaining([
        "--skip-owned: its controller Widget root is restored and recreates it",
        "--skip-owned: its controller ConfigMap chain-middle is restored and recreates it",
      ]),
    );
    expect(await statusOf(two.cluster, `/api/v1/namespaces/${to}/configmaps/chain-middle`)).toBe(404);
    expect((await widget(to)).metadata.name).toBe("root");
  });
});
