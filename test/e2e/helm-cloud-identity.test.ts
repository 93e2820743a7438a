// The chart's cloud identity: webIdentity mounts a projected ServiceAccount token into the watcher,
// the dump workers and the console (the three that open repositories) and sets the web identity variables the services' AWS chain reads; on EKS,
// the ServiceAccount annotation (IRSA) is all the chart adds. What each renders, read as the
// services read it.
import * as consoleConfig from "@kubedump/console/config";
import * as dumpWorkerConfig from "@kubedump/dump-worker/config";
import * as watcherConfig from "@kubedump/watcher/config";
import { describe, expect, it } from "vitest";
import type { Obj } from "./harness.js";
import { envOf, helm, CHART, render, serviceOf, workloads } from "./helm-chart.js";

const WEB_IDENTITY = [
  "--set",
  "webIdentity.enabled=true",
  "--set",
  "webIdentity.roleArn=arn:minio:iam:::role/kubedump",
  "--set",
  "webIdentity.audience=kubedump-sts",
  "--set",
  "webIdentity.stsEndpoint=https://minio.storage.svc:9000",
  "--set",
  "console.enabled=true",
];
const CONFIGS = { watcher: watcherConfig, "dump-worker": dumpWorkerConfig, console: consoleConfig } as const;

/** The Deployment's component label: one of serviceOf's four, or the console. */
const componentOf = (w: Obj): string => w.metadata.labels?.["app.kubernetes.io/component"];

const pods = async (args: string[]) => {
  const objs = await render(args);
  return { objs, deployments: workloads(objs).filter((w) => w.kind === "Deployment") };
};

describe("the chart's cloud identity", () => {
  it("mounts a projected token for the STS's audience into the watcher, the dump workers and the console, with the chain's variables", async () => {
    const { objs, deployments } = await pods(WEB_IDENTITY);
    expect(deployments.map(componentOf).sort()).toEqual([
      "console",
      "dump-worker",
      "metrics-gateway",
      "scheduler",
      "watcher",
    ]);
    for (const w of deployments) {
      const service = componentOf(w);
      const spec = w.spec.template.spec;
      const container = spec.containers[0];
      const env = envOf(container, objs);
      if (!(service in CONFIGS)) {
        expect(
          Object.keys(env).filter((k) => k.startsWith("AWS_")),
          service,
        ).toEqual([]);
        continue;
      }
      expect(env, service).toMatchObject({
        AWS_ROLE_ARN: "arn:minio:iam:::role/kubedump",
        AWS_ENDPOINT_URL_STS: "https://minio.storage.svc:9000",
      });
      const mount = container.volumeMounts.find((m: Obj) => env.AWS_WEB_IDENTITY_TOKEN_FILE === `${m.mountPath}/token`);
      expect(mount, `${service}: a mount holding AWS_WEB_IDENTITY_TOKEN_FILE`).toMatchObject({ readOnly: true });
      const volume = spec.volumes.find((v: Obj) => v.name === mount.name);
      expect(volume.projected.sources).toEqual([
        { serviceAccountToken: { audience: "kubedump-sts", expirationSeconds: 3600, path: "token" } },
      ]);
      // The service accepts the variables (its config is the only reader of them).
      const config = CONFIGS[service as keyof typeof CONFIGS].loadConfig({
        ...env,
        REDIS_URL: "redis://r:6379",
      }) as Record<string, unknown>;
      expect(config.AWS_WEB_IDENTITY_TOKEN_FILE).toBe(env.AWS_WEB_IDENTITY_TOKEN_FILE);
    }
  });

  it("adds nothing by default: IRSA and EKS Pod Identity bring their own token and variables", async () => {
    const irsa = "arn:aws:iam::111122223333:role/kubedump";
    const { objs, deployments } = await pods([
      "--set-string",
      `dumpWorker.serviceAccount.annotations.eks\\.amazonaws\\.com/role-arn=${irsa}`,
    ]);
    for (const w of deployments) {
      const env = envOf(w.spec.template.spec.containers[0], objs);
      expect(
        Object.keys(env).filter((k) => k.startsWith("AWS_")),
        serviceOf(w),
      ).toEqual([]);
      expect(JSON.stringify(w.spec.template.spec.volumes ?? [])).not.toContain("serviceAccountToken");
    }
    const account = objs.find((o) => o.kind === "ServiceAccount" && o.metadata.name.endsWith("-dump-worker"));
    expect(account?.metadata.annotations).toEqual({ "eks.amazonaws.com/role-arn": irsa });
  });

  it.each([
    [["--set", "webIdentity.enabled=true"], /webIdentity.roleArn is required when webIdentity.enabled is true/],
    [[...WEB_IDENTITY, "--set", "webIdentity.expirationSeconds=300"], /expirationSeconds.*minimum/i],
    [[...WEB_IDENTITY, "--set", "webIdentity.stsEndpoint=minio:9000"], /stsEndpoint.*pattern|does not match pattern/i],
  ])("refuses %j, naming the value", async (args, message) => {
    const error = await helm("template", "kd", CHART, ...args).catch((e: { stderr?: string }) => e.stderr ?? String(e));
    expect(error).toMatch(message);
  });
});
