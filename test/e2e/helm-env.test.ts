import { join } from "node:path";
import * as dumpWorkerConfig from "@kubedump/dump-worker/config";
import * as gatewayConfig from "@kubedump/metrics-gateway/config";
import * as schedulerConfig from "@kubedump/scheduler/config";
import { AWS_ENV_VARS } from "@kubedump/repository";
import * as watcherConfig from "@kubedump/watcher/config";
import { describe, expect, it } from "vitest";
import {
  at,
  CI,
  envOf,
  render,
  type Service,
  SERVICES,
  serviceOf,
  VALUE_SETS,
  valuesOf,
  workloads,
} from "./helm-chart.js";
import type { Obj } from "./harness.js";

// The chart sets each service's variables, and only those: the lists each service exports
// (`@kubedump/<service>/config`), not a reading of its source.

/** What each service's `./config` export says it reads: its variables, their aliases, and the parser itself. */
interface ServiceConfig {
  ENV_VARS: readonly string[];
  ENV_ALIASES?: Readonly<Record<string, string>>;
  loadConfig(env: NodeJS.ProcessEnv): unknown;
}
const CONFIGS: Record<Service, ServiceConfig> = {
  watcher: watcherConfig,
  scheduler: schedulerConfig,
  "dump-worker": dumpWorkerConfig,
  "metrics-gateway": gatewayConfig,
};
const variablesOf = (service: Service) => new Set(CONFIGS[service].ENV_VARS);
/** The variable itself, or the one it is an alias of. */
const canonical = (service: Service, name: string) => CONFIGS[service].ENV_ALIASES?.[name] ?? name;

describe("the Helm chart's environment variables", () => {
  it.each(VALUE_SETS)(
    "sets only variables the services read, and each service accepts them, with %s",
    async (_name, args) => {
      const objs = await render(args);
      for (const w of workloads(objs).filter((o) => o.kind === "Deployment")) {
        const service = serviceOf(w)!;
        const container = w.spec.template.spec.containers[0];
        expect(container.args).toEqual([`/app/services/${service}/dist/main.js`]);
        const env = envOf(container, objs);
        const extra = new Set<string>(
          (
            (at(
              valuesOf(args),
              `${service === "dump-worker" ? "dumpWorker" : service === "metrics-gateway" ? "metricsGateway" : service}.extraEnv`,
            ) as Obj[] | undefined) ?? []
          ).map((e) => e.name),
        );
        const unknown = Object.keys(env).filter((k) => !variablesOf(service).has(k) && !extra.has(k));
        expect(unknown, `${service} variables no config reads`).toEqual([]);
        expect(env.KUBECONFIG, "in-cluster: no KUBECONFIG").toBeUndefined();
        expect(() => CONFIGS[service].loadConfig(env), service).not.toThrow();
      }
    },
  );

  // The AWS credential chain's variables are the platform's to set (EKS's webhooks for IRSA and Pod
  // Identity); the chart sets three of them with webIdentity (helm-cloud-identity.test.ts).
  const PLATFORM = new Set<string>(AWS_ENV_VARS);
  it("covers every variable of every service with a value, itself or through an alias (except KUBECONFIG, absent in-cluster, and the AWS chain's)", async () => {
    const seen = new Map<Service, Set<string>>(SERVICES.map((s) => [s, new Set()]));
    for (const [, args] of VALUE_SETS) {
      const objs = await render(args);
      for (const w of workloads(objs).filter((o) => o.kind === "Deployment"))
        for (const k of Object.keys(envOf(w.spec.template.spec.containers[0], objs)))
          seen.get(serviceOf(w)!)!.add(canonical(serviceOf(w)!, k));
    }
    for (const s of SERVICES)
      expect(
        [...variablesOf(s)].filter((v) => v !== "KUBECONFIG" && !PLATFORM.has(v) && !seen.get(s)!.has(canonical(s, v))),
        s,
      ).toEqual([]);
  });

  // Variable ← value, checked on the all-options render (every one differs from its default there).
  const MAPPING: [Service, string, string][] = [
    ...(["watcher", "scheduler"] as const).flatMap((s): [Service, string, string][] => [
      [s, "HTTP_PORT", `${s}.httpPort`],
      [s, "LEASE_NAME", `${s}.leaseName`],
      [s, "RESYNC_SECONDS", `${s}.resyncSeconds`],
      [s, "LOG_LEVEL", `${s}.logLevel`],
      [s, "LEASE_NAMESPACE", "leaderElection.namespace"],
      [s, "LEASE_DURATION_SECONDS", "leaderElection.leaseDurationSeconds"],
      [s, "WATCH_NAMESPACE", "watchNamespace"],
      [s, "QUEUE_PREFIX", "queuePrefix"],
      [s, "HTTP_HOST", "httpHost"],
    ]),
    ...(["watcher", "dump-worker"] as const).flatMap((s): [Service, string, string][] => [
      [s, "AWS_ROLE_ARN", "webIdentity.roleArn"],
      [s, "AWS_ENDPOINT_URL_STS", "webIdentity.stsEndpoint"],
    ]),
    ["dump-worker", "HTTP_PORT", "dumpWorker.httpPort"],
    ["dump-worker", "CONCURRENCY", "dumpWorker.concurrency"],
    ["dump-worker", "JOB_LOCK_SECONDS", "dumpWorker.jobLockSeconds"],
    ["dump-worker", "STASH_METRIC_NAMES", "dumpWorker.stashMetricNames"],
    ["dump-worker", "KUBE_QPS", "dumpWorker.kubeQps"],
    ["dump-worker", "KUBE_BURST", "dumpWorker.kubeBurst"],
    ["dump-worker", "RESTORE_KUBE_QPS", "dumpWorker.restoreKubeQps"],
    ["dump-worker", "RESTORE_KUBE_BURST", "dumpWorker.restoreKubeBurst"],
    ["dump-worker", "LOG_LEVEL", "dumpWorker.logLevel"],
    ["dump-worker", "METRICS_GATEWAY_TOKEN", "metricsGateway.pushToken.value"],
    ["dump-worker", "QUEUE_PREFIX", "queuePrefix"],
    ["metrics-gateway", "PORT", "metricsGateway.port"],
    ["metrics-gateway", "HOST", "httpHost"],
    ["metrics-gateway", "GATEWAY_KEY_PREFIX", "metricsGateway.gatewayKeyPrefix"],
    ["metrics-gateway", "BODY_LIMIT_BYTES", "metricsGateway.bodyLimitBytes"],
    ["metrics-gateway", "ENABLE_ADMIN_API", "metricsGateway.adminApi"],
    ["metrics-gateway", "PUSH_TOKEN", "metricsGateway.pushToken.value"],
    ["metrics-gateway", "LOG_LEVEL", "metricsGateway.logLevel"],
    ["metrics-gateway", "QUEUE_PREFIX", "queuePrefix"],
  ];
  it("maps values one-to-one onto the services' variables", async () => {
    const args = ["-f", join(CI, "all-options-values.yaml")];
    const values = valuesOf(args);
    const objs = await render(args);
    const envs = new Map(
      workloads(objs)
        .filter((o) => o.kind === "Deployment")
        .map((w) => [serviceOf(w), envOf(w.spec.template.spec.containers[0], objs)]),
    );
    for (const [service, variable, path] of MAPPING)
      expect(envs.get(service)?.[variable], `${service} ${variable} ← ${path}`).toBe(String(at(values, path)));
    // Values that are not service settings land where they should.
    const external = await render(["-f", join(CI, "external-values.yaml")]);
    const worker = envOf(
      workloads(external).find((w) => serviceOf(w) === "dump-worker")!.spec.template.spec.containers[0],
      external,
    );
    expect(worker.METRICS_GATEWAY_URL).toBe("http://prometheus-pushgateway.monitoring.svc:9091");
    expect(worker.METRICS_GATEWAY_TOKEN).toBe("from-existing-secret");
    const noRbac = await render(["-f", join(CI, "no-rbac-values.yaml")]);
    expect(envOf(workloads(noRbac)[0]!.spec.template.spec.containers[0], noRbac).REDIS_URL).toBe(
      "rediss://:secret@redis.example.com:6380/2",
    );
  });
});
