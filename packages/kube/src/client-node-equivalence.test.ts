// What packages/kube does by hand against what @kubernetes/client-node does (docs/decisions.md):
// the same objects from a paged LIST, the same events from an informer, and the defect that decided
// the informer: after a dropped connection ours resumes, client-node's stops for good.
import { readFileSync } from "node:fs";
import * as clientNode from "@kubernetes/client-node";
import { afterAll, describe, expect, inject, it } from "vitest";
import { createKubeClient, KubeClient } from "./client.js";
import { createInformer } from "./informer.js";
import { loadConnection } from "./kubeconfig.js";
import { listPages } from "./list.js";
import { admin, CONFIGMAPS, ensureNamespace, startTcpProxy, waitFor } from "./test-support.js";

const env = inject("testenv");
const client = createKubeClient({ kubeconfig: env.kubeconfig });
afterAll(() => client.close());

/** client-node's KubeConfig for the test cluster, optionally through another server URL. */
function clientNodeConfig(server?: string): clientNode.KubeConfig {
  const kc = new clientNode.KubeConfig();
  const text = readFileSync(env.kubeconfig, "utf8");
  kc.loadFromString(server ? text.replace(/server: .*/, `server: ${server}`) : text);
  return kc;
}

const configMap = (name: string, value: string) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name },
  data: { value },
});

interface Seen {
  name?: string;
  uid?: string;
  resourceVersion?: string;
  data?: Record<string, string>;
}
const seen = (o: { metadata?: Seen; data?: Record<string, string> }): Seen => ({
  name: o.metadata?.name,
  uid: o.metadata?.uid,
  resourceVersion: o.metadata?.resourceVersion,
  data: o.data,
});

type Named = { metadata?: { name?: string } };

/** Both informers' add/update/delete as `add x`, `update x 1->2`, `delete x`. */
function logOf() {
  const log: string[] = [];
  const value = (o: object) => (o as { data?: Record<string, string> }).data?.value;
  return {
    log,
    add: (o: Named) => void log.push(`add ${o.metadata?.name}`),
    update: (a: object, b: Named) => void log.push(`update ${b.metadata?.name} ${value(a)}->${value(b)}`),
    delete: (o: Named) => void log.push(`delete ${o.metadata?.name}`),
  };
}

describe("packages/kube and @kubernetes/client-node", () => {
  it("list the same objects, page by page", async () => {
    const NS = "kube-eq-list";
    await ensureNamespace(env, NS);
    for (let i = 0; i < 5; i++)
      await admin(env, "POST", `/api/v1/namespaces/${NS}/configmaps`, configMap(`cm-${i}`, `v${i}`));
    const ours: Seen[] = [];
    for await (const page of listPages(client, CONFIGMAPS, { namespace: NS, limit: 2 })) ours.push(...page.map(seen));
    const api = clientNodeConfig().makeApiClient(clientNode.CoreV1Api);
    const theirs: Seen[] = [];
    let cont: string | undefined;
    do {
      const list = await api.listNamespacedConfigMap({ namespace: NS, limit: 2, _continue: cont });
      theirs.push(...list.items.map(seen));
      cont = list.metadata?._continue || undefined;
    } while (cont);
    expect(ours.filter((o) => o.name?.startsWith("cm-"))).toHaveLength(5);
    expect(ours).toEqual(theirs);
  });

  it("informers see the same adds, updates and deletes", async () => {
    const NS = "kube-eq-informer";
    const cms = `/api/v1/namespaces/${NS}/configmaps`;
    await ensureNamespace(env, NS);
    await admin(env, "POST", cms, configMap("before", "0"));
    const ours = logOf();
    const inf = createInformer({
      client,
      rt: CONFIGMAPS,
      namespace: NS,
      onAdd: ours.add,
      onUpdate: ours.update,
      onDelete: ours.delete,
    });
    const kc = clientNodeConfig();
    const api = kc.makeApiClient(clientNode.CoreV1Api);
    const theirs = logOf();
    const path = `/api/v1/namespaces/${NS}/configmaps`;
    const their = clientNode.makeInformer(kc, path, () => api.listNamespacedConfigMap({ namespace: NS }));
    their.on("add", theirs.add);
    their.on("update", (o) => theirs.update({}, o));
    their.on("delete", theirs.delete);
    inf.start();
    await Promise.all([inf.synced, their.start()]);
    await admin(env, "POST", cms, configMap("a", "1"));
    await admin(env, "PATCH", `${cms}/a`, { data: { value: "2" } });
    await admin(env, "DELETE", `${cms}/before`);
    await waitFor("both informers to see three changes", () => ours.log.length >= 4 && theirs.log.length >= 4);
    await Promise.all([inf.stop(), their.stop()]);
    // client-node's update handler gets only the new object, so compare without the old value.
    const withoutOld = (log: string[]) => log.map((l) => l.replace(/ \S*->/, " "));
    expect(withoutOld(ours.log)).toEqual(["add before", "add a", "update a 2", "delete before"]);
    expect(withoutOld(theirs.log)).toEqual(withoutOld(ours.log));
  });

  it("after a dropped connection ours resumes; client-node's informer reports the error and stops for good", async () => {
    const NS = "kube-eq-drop";
    const cms = `/api/v1/namespaces/${NS}/configmaps`;
    await ensureNamespace(env, NS);
    const proxy = await startTcpProxy(env.kubeApiUrl);
    const proxied = new KubeClient({ ...loadConnection({ kubeconfig: env.kubeconfig }), server: proxy.url }, {});
    const ours = logOf();
    const inf = createInformer({
      client: proxied,
      rt: CONFIGMAPS,
      namespace: NS,
      onAdd: ours.add,
      backoffInitialMs: 50,
    });
    const kc = clientNodeConfig(proxy.url);
    const api = kc.makeApiClient(clientNode.CoreV1Api);
    const theirs = logOf();
    const theirErrors: unknown[] = [];
    const their = clientNode.makeInformer(kc, cms, () => api.listNamespacedConfigMap({ namespace: NS }));
    their.on("add", theirs.add);
    their.on("error", (err) => void theirErrors.push(err));
    inf.start();
    await Promise.all([inf.synced, their.start()]);

    proxy.cut();
    await waitFor("client-node's informer to report the dropped watch", () => theirErrors.length > 0);
    await admin(env, "POST", cms, configMap("after", "1"));
    await waitFor("ours to see the object created after the cut", () => ours.log.includes("add after"));
    await new Promise((r) => setTimeout(r, 2_000)); // as long again for client-node's, which never comes
    expect(theirs.log).not.toContain("add after");
    await Promise.all([inf.stop(), their.stop()]);
    proxied.close();
    await proxy.close();
  });

  it("client-node ships no leader election (packages/kube/src/leader-election.ts is ours)", () => {
    expect(Object.keys(clientNode).filter((name) => /leader|election/i.test(name))).toEqual([]);
  });
});
