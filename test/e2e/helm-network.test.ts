import { join } from "node:path";
import { createQueue, createRedis, QUEUES } from "@kubedump/queue";
import { afterAll, describe, expect, inject, it } from "vitest";
import { CI, render } from "./helm-chart.js";
import type { Obj } from "./harness.js";

// networkPolicy.enabled: which of the rendered Pods each NetworkPolicy guards and lets in, worked
// out from their labels as a CNI would; and dumpWorker.autoscaling.keda: the ScaledObject's
// triggers, whose Redis lists are checked against the lists BullMQ fills in a real Redis.
const SERVICES = ["watcher", "scheduler", "dump-worker", "metrics-gateway"];
const PROMETHEUS = { metadata: { namespace: "monitoring", labels: { "app.kubernetes.io/name": "prometheus" } } };
const KEDA = { metadata: { namespace: "keda", labels: { "app.kubernetes.io/name": "keda-operator" } } };
const STRANGER = { metadata: { namespace: "helm-render", labels: { app: "web" } } };

/** Whether a Kubernetes LabelSelector selects these labels. */
function selects(selector: Obj | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpressions = ((selector.matchExpressions ?? []) as Obj[]).every((e) => {
    const has = e.key in labels;
    if (e.operator === "In") return has && e.values.includes(labels[e.key]);
    if (e.operator === "NotIn") return !has || !e.values.includes(labels[e.key]);
    if (e.operator === "Exists") return has;
    if (e.operator === "DoesNotExist") return !has;
    throw new Error(`unknown operator ${e.operator}`);
  });
  return byLabels && byExpressions;
}
/** Whether a NetworkPolicyPeer lets in a Pod (namespaces carry only kubernetes.io/metadata.name). */
function admits(peer: Obj, pod: Obj, policyNamespace: string): boolean {
  const ns = pod.metadata.namespace;
  const nsOk = peer.namespaceSelector
    ? selects(peer.namespaceSelector, { "kubernetes.io/metadata.name": ns })
    : ns === policyNamespace;
  return nsOk && selects(peer.podSelector, pod.metadata.labels);
}
/** The rendered Pods, as Pods (their template's labels, in the release namespace). */
const podsOf = (objs: Obj[]) =>
  objs
    .filter((o) => ["Deployment", "StatefulSet"].includes(o.kind))
    .map((o) => ({
      metadata: { namespace: o.metadata.namespace, labels: o.spec.template.metadata.labels },
      ports: o.spec.template.spec.containers.flatMap((c: Obj) => c.ports.map((p: Obj) => p.containerPort)),
    }));
const component = (pod: Obj) => pod.metadata.labels["app.kubernetes.io/component"] as string;

describe("networkPolicy.enabled", () => {
  it.each([
    ["the defaults", [] as string[], []],
    ["KEDA reading the bundled Redis", ["-f", join(CI, "keda-values.yaml")], ["keda-operator"]],
  ])(
    "with %s: Redis only from kubedump's Pods, the gateway from them and Prometheus, the rest from Prometheus",
    async (_name, args, redisExtra) => {
      const objs = await render(["--set", "networkPolicy.enabled=true", ...args]);
      const pods = podsOf(objs);
      const policies = objs.filter((o) => o.kind === "NetworkPolicy");
      expect(policies.map((p) => p.spec.policyTypes)).toEqual(policies.map(() => ["Ingress"]));
      const guarded = new Map<string, Obj>();
      for (const p of policies) {
        const selected = pods.filter((pod) => selects(p.spec.podSelector, pod.metadata.labels));
        expect(selected.map(component), p.metadata.name).toHaveLength(1);
        guarded.set(component(selected[0]!), p);
      }
      expect([...guarded.keys()].sort()).toEqual([...SERVICES, "redis"].sort());
      const callers = [...pods, PROMETHEUS, KEDA, STRANGER];
      for (const [target, policy] of guarded) {
        const pod = pods.find((x) => component(x) === target)!;
        const allowed = callers.filter((c) =>
          (policy.spec.ingress as Obj[]).some((rule) => rule.from.some((peer: Obj) => admits(peer, c, "helm-render"))),
        );
        const names = allowed.map((c) => component(c) ?? c.metadata.labels["app.kubernetes.io/name"]).sort();
        const expected =
          target === "redis"
            ? [...SERVICES, ...redisExtra]
            : target === "metrics-gateway"
              ? [...SERVICES, "prometheus"]
              : ["prometheus"];
        expect(names, target).toEqual(expected.sort());
        // The ports let in are the ones the Pod listens on.
        for (const rule of policy.spec.ingress as Obj[])
          for (const port of rule.ports) expect(pod.ports, target).toContain(port.port);
      }
    },
  );

  it("closes the services' ports to everyone (but the kubelet) when metricsFrom is empty", async () => {
    const objs = await render(["--set", "networkPolicy.enabled=true", "--set-json", "networkPolicy.metricsFrom=[]"]);
    const watcher = objs.find((o) => o.kind === "NetworkPolicy" && o.metadata.name === "kd-kubedump-watcher")!;
    expect(watcher.spec.ingress).toEqual([]);
  });

  it("is off by default", async () => {
    expect((await render([])).filter((o) => o.kind === "NetworkPolicy")).toEqual([]);
  });
});

describe("dumpWorker.autoscaling.keda", () => {
  const t = inject("testenv");
  const redis = createRedis(t.redisUrl);
  afterAll(() => redis.quit());

  it("replaces the HPA with a ScaledObject on CPU and on the wait lists of the worker's queues", async () => {
    const objs = await render(["-f", join(CI, "keda-values.yaml")]);
    expect(objs.filter((o) => o.kind === "HorizontalPodAutoscaler")).toEqual([]);
    const [so] = objs.filter((o) => o.kind === "ScaledObject");
    expect(so!.spec).toMatchObject({
      minReplicaCount: 1,
      maxReplicaCount: 20,
      pollingInterval: 15,
      cooldownPeriod: 120,
    });
    expect(so!.spec.triggers[0]).toEqual({ type: "cpu", metricType: "Utilization", metadata: { value: "70" } });
    const redisTriggers = (so!.spec.triggers as Obj[]).filter((x) => x.type === "redis");
    expect(redisTriggers.map((x) => x.metadata.listName).sort()).toEqual(
      [QUEUES.backups, QUEUES.restores, QUEUES.verify].map((q) => `kubedump:${q}:wait`).sort(),
    );
    for (const x of redisTriggers) {
      expect(x.metadata).toMatchObject({ address: "kd-kubedump-redis.helm-render.svc:6379", listLength: "3" });
      expect(x.authenticationRef).toEqual({ name: so!.metadata.name });
    }
    // The password KEDA is given is the bundled Redis's, from the Secret the chart makes.
    const auth = objs.find((o) => o.kind === "TriggerAuthentication")!;
    const [ref] = auth.spec.secretTargetRef;
    expect(ref.parameter).toBe("password");
    const secret = objs.find((o) => o.kind === "Secret" && o.metadata.name === ref.name)!;
    const url = new URL(Buffer.from(secret.data["redis-url"], "base64").toString());
    expect(Buffer.from(secret.data[ref.key], "base64").toString()).toBe(decodeURIComponent(url.password));
  });

  it("names the lists BullMQ fills: a job added to each queue is counted by its trigger's list", async () => {
    const prefix = `helm-keda-${process.pid}`;
    const objs = await render(["-f", join(CI, "keda-values.yaml"), "--set", `queuePrefix=${prefix}`]);
    const triggers = objs.find((o) => o.kind === "ScaledObject")!.spec.triggers.filter((x: Obj) => x.type === "redis");
    for (const trigger of triggers as Obj[]) {
      const name = trigger.name as (typeof QUEUES)[keyof typeof QUEUES];
      expect(await redis.llen(trigger.metadata.listName)).toBe(0);
      const queue = createQueue(name, { connection: redis, prefix });
      try {
        await queue.add("job", {}, { jobId: "one" });
        await queue.add("job", {}, { jobId: "two" });
        expect(await redis.llen(trigger.metadata.listName), trigger.metadata.listName).toBe(2);
      } finally {
        await queue.obliterate({ force: true });
        await queue.close();
      }
    }
  });

  it("gives KEDA your Redis's address, TLS, database and password Secret with redis.external", async () => {
    const objs = await render(["-f", join(CI, "keda-external-values.yaml")]);
    const so = objs.find((o) => o.kind === "ScaledObject")!;
    for (const x of (so.spec.triggers as Obj[]).filter((y) => y.type === "redis"))
      expect(x.metadata).toMatchObject({
        address: "redis.example.com:6380",
        enableTLS: "true",
        databaseIndex: "2",
        listName: expect.stringMatching(/^kd-keda:kubedump-(backups|restores|verify):wait$/),
      });
    expect(objs.find((o) => o.kind === "TriggerAuthentication")!.spec.secretTargetRef).toEqual([
      { parameter: "password", name: "kubedump-redis", key: "password" },
    ]);
  });
});
