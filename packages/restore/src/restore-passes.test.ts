import { join } from "node:path";
import type { KubeObject } from "@kubedump/kube";
import { kubeHttp } from "@kubedump/testenv";
import { describe, expect, inject, it } from "vitest";
import type { RestoreProgress } from "./options.js";
import { restoreSnapshot } from "./restore-snapshot.js";
import { SKIP_REASONS } from "./skip.js";
import { statusOf, suffix, useSharedCluster } from "./test-support.js";
import { commitByHand, entryOf } from "./test-snapshots.js";

const env = inject("testenv");
const shared = useSharedCluster(env);

const core = (resource: string) => ({ group: "", version: "v1", resource });
const object = (
  kind: string,
  metadata: KubeObject["metadata"],
  rest: Record<string, unknown> = {},
  apiVersion = "v1",
) => ({ apiVersion, kind, metadata, ...rest }) as KubeObject;
const namespaceEntry = (name: string) => entryOf(core("namespaces"), object("Namespace", { name }));

describe("restoreSnapshot passes", () => {
  it("restores in a second pass a custom resource whose CRD is written after it (owned by a webhook configuration)", async () => {
    const id = suffix();
    const [ns, group] = [`rpass-${id}`, `rpass${id}.kubedump.test`];
    const gateUid = "0c0ffee0-0000-4000-8000-000000000001";
    const gate = object(
      "ValidatingWebhookConfiguration",
      { name: `rpass-gate-${id}`, uid: gateUid },
      {},
      "admissionregistration.k8s.io/v1",
    );
    const owner = { apiVersion: gate.apiVersion, kind: gate.kind, name: gate.metadata.name, uid: gateUid };
    const crd = object(
      "CustomResourceDefinition",
      { name: `gadgets.${group}`, ownerReferences: [owner] },
      {
        spec: {
          group,
          scope: "Namespaced",
          names: { plural: "gadgets", singular: "gadget", kind: "Gadget", listKind: "GadgetList" },
          versions: [
            {
              name: "v1",
              served: true,
              storage: true,
              schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
            },
          ],
        },
      },
      "apiextensions.k8s.io/v1",
    );
    const gadget = object("Gadget", { name: "g1", namespace: ns }, { spec: { size: 2 } }, `${group}/v1`);
    const snapshotId = await commitByHand(shared.repo.repository, join(shared.scratch, "passes"), [
      namespaceEntry(ns),
      entryOf(
        { group: "admissionregistration.k8s.io", version: "v1", resource: "validatingwebhookconfigurations" },
        gate,
      ),
      entryOf({ group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions" }, crd),
      entryOf({ group, version: "v1", resource: "gadgets" }, gadget),
    ]);
    const seen: RestoreProgress[] = [];

    const report = await restoreSnapshot({
      client: shared.client,
      repository: shared.repo.repository,
      snapshotId,
      options: { passDelayMs: 0 },
      onProgress: (p) => seen.push(p),
    });

    expect(report.failures()).toEqual([]);
    expect(report.totals()).toMatchObject({ created: 4 });
    expect([...new Set(seen.map((p) => p.pass))]).toEqual([0, 1, 2]);
    expect(seen.at(-1)).toMatchObject({ objectsDone: 4, objects: 4 });
    expect(await statusOf(env, `/apis/${group}/v1/namespaces/${ns}/gadgets/g1`)).toBe(200);
    const liveGate = (
      await kubeHttp(env, `/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/${gate.metadata.name}`)
    ).body;
    const liveCrd = (await kubeHttp(env, `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.${group}`))
      .body;
    expect(liveCrd.metadata.ownerReferences[0].uid).toBe(liveGate.metadata.uid);
  });

  it("skips by what the object says: a token Secret, a Service's Endpoints and slices, kube-root-ca.crt", async () => {
    const ns = `rskip-${suffix()}`;
    const meta = (name: string, extra: Partial<KubeObject["metadata"]> = {}) => ({ name, namespace: ns, ...extra });
    const ports = [{ name: "http", port: 80, protocol: "TCP" }];
    const slice = (name: string, manager: string) =>
      entryOf(
        { group: "discovery.k8s.io", version: "v1", resource: "endpointslices" },
        object(
          "EndpointSlice",
          meta(name, { labels: { "endpointslice.kubernetes.io/managed-by": manager } }),
          { addressType: "IPv4", endpoints: [], ports: [] },
          "discovery.k8s.io/v1",
        ),
      );
    const snapshotId = await commitByHand(shared.repo.repository, join(shared.scratch, "skips"), [
      namespaceEntry(ns),
      entryOf(core("services"), object("Service", meta("web"), { spec: { selector: { app: "web" }, ports } })),
      entryOf(core("services"), object("Service", meta("external"), { spec: { ports } })),
      entryOf(core("endpoints"), object("Endpoints", meta("web"), { subsets: [] })),
      entryOf(core("endpoints"), object("Endpoints", meta("external"), { subsets: [] })),
      slice("web-abcde", "endpointslice-controller.k8s.io"),
      slice("external-by-hand", "someone-else"),
      entryOf(core("configmaps"), object("ConfigMap", meta("kube-root-ca.crt"), { data: { "ca.crt": "old CA" } })),
      entryOf(
        core("secrets"),
        object("Secret", meta("runner-token", { annotations: { "kubernetes.io/service-account.name": "runner" } }), {
          type: "kubernetes.io/service-account-token",
        }),
      ),
      entryOf(core("secrets"), object("Secret", meta("plain"), { type: "Opaque", data: { a: "Yg==" } })),
    ]);

    const report = await restoreSnapshot({ client: shared.client, repository: shared.repo.repository, snapshotId });

    expect(report.failures()).toEqual([]);
    const skipped = Object.fromEntries(report.skips().map((e) => [`${e.type}/${e.name}`, e.reason]));
    expect(skipped).toEqual({
      "endpoints/web": SKIP_REASONS.endpoints,
      "endpointslices.discovery.k8s.io/web-abcde": SKIP_REASONS.endpointSlice,
      "configmaps/kube-root-ca.crt": SKIP_REASONS.rootCa,
      "secrets/runner-token": SKIP_REASONS.serviceAccountToken,
    });
    expect(report.totals()).toMatchObject({ created: 6, skipped: 4 });
    expect(await statusOf(env, `/api/v1/namespaces/${ns}/endpoints/external`)).toBe(200);
    expect(await statusOf(env, `/api/v1/namespaces/${ns}/endpoints/web`)).toBe(404);
  });

  it("stops between writes when aborted, and rejects with the reason", async () => {
    const ns = `rabort-${suffix()}`;
    const maps = Array.from({ length: 30 }, (_, i) => object("ConfigMap", { name: `cm-${i}`, namespace: ns }));
    const entries = [namespaceEntry(ns), ...maps.map((m) => entryOf(core("configmaps"), m))];
    const snapshotId = await commitByHand(shared.repo.repository, join(shared.scratch, "abort"), entries);
    const controller = new AbortController();
    const stop = (p: RestoreProgress) => {
      if (p.objectsDone === 5) controller.abort(new Error("shutting down"));
    };

    const restoring = restoreSnapshot({
      client: shared.client,
      repository: shared.repo.repository,
      snapshotId,
      options: { concurrency: 1 },
      onProgress: stop,
      signal: controller.signal,
    });

    await expect(restoring).rejects.toThrow("shutting down");
    const list = (await kubeHttp(env, `/api/v1/namespaces/${ns}/configmaps`)).body;
    expect(list.items.length).toBe(4);
  });

  it("keeps one abort listener on its signal with 32 writes in flight: Node warns of no listener leak", async () => {
    const ns = `rsignal-${suffix()}`;
    const maps = Array.from({ length: 200 }, (_, i) => object("ConfigMap", { name: `cm-${i}`, namespace: ns }));
    const entries = [namespaceEntry(ns), ...maps.map((m) => entryOf(core("configmaps"), m))];
    const snapshotId = await commitByHand(shared.repo.repository, join(shared.scratch, "signal"), entries);
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on("warning", onWarning);
    try {
      const report = await restoreSnapshot({
        client: shared.client,
        repository: shared.repo.repository,
        snapshotId,
        options: { concurrency: 32 },
        signal: new AbortController().signal,
      });
      await new Promise((r) => setImmediate(r)); // a warning is emitted on the next tick
      expect(report.totals()).toMatchObject({ created: 201, failed: 0 });
      expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
    } finally {
      process.off("warning", onWarning);
    }
  });
});
