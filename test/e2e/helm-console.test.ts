import * as consoleConfig from "@kubedump/console/config";
import { describe, expect, it } from "vitest";
import type { Obj } from "./harness.js";
import { envOf, helm, CHART, render } from "./helm-chart.js";

// The console in the chart: off by default; on, a hardened Deployment whose variables the console
// reads, its Service, an optional Ingress, its RBAC (reviews, kubedump objects, storage Secrets)
// and a NetworkPolicy when the chart makes them.

const ON = ["--set", "console.enabled=true"];
const isConsole = (o: Obj) => o.metadata.labels?.["app.kubernetes.io/component"] === "console";
const one = (objs: Obj[], kind: string) => {
  const found = objs.filter((o) => o.kind === kind && isConsole(o));
  expect(found.map((o) => o.metadata.name)).toHaveLength(1);
  return found[0] as Obj;
};
const rulesOf = (objs: Obj[]) =>
  objs
    .filter((o) => (o.kind === "Role" || o.kind === "ClusterRole") && isConsole(o))
    .map((r) => [r.kind, r.metadata.namespace ?? "", r.rules]);

describe("the Helm chart's console", () => {
  it("is off by default: no console object at all", async () => {
    const objs = await render([]);
    expect(objs.filter(isConsole).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
    const bindings = objs.filter((o) => o.kind.endsWith("Binding"));
    expect(JSON.stringify(bindings)).not.toContain("console");
  });

  it("runs a hardened, probed console whose every variable the console reads and accepts", async () => {
    const objs = await render(ON);
    const deployment = one(objs, "Deployment");
    const spec = deployment.spec.template.spec;
    expect(spec.automountServiceAccountToken).toBe(true);
    expect(spec.serviceAccountName).toBe(one(objs, "ServiceAccount").metadata.name);
    const [container] = spec.containers;
    expect(container.args).toEqual(["/app/services/console/dist/main.js"]);
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(container.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "http" });
    expect(container.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "http" });
    const env = envOf(container, objs);
    expect(Object.keys(env).filter((k) => !consoleConfig.ENV_VARS.includes(k))).toEqual([]);
    expect(consoleConfig.loadConfig(env)).toMatchObject({ HTTP_PORT: 8080, TRUST_PROXY: "false" });
    expect(env.CSRF_KEY?.length).toBeGreaterThanOrEqual(32);
    const service = one(objs, "Service");
    expect(service.spec).toMatchObject({ type: "ClusterIP", ports: [{ port: 80, targetPort: "http" }] });
    expect(container.ports).toEqual([{ name: "http", containerPort: 8080, protocol: "TCP" }]);
    expect(objs.filter((o) => o.kind === "Ingress")).toEqual([]);
  });

  it("grants reviews cluster-wide, the kubedump objects, session creation and the storage Secrets", async () => {
    const objs = await render(ON);
    expect(rulesOf(objs)).toEqual([
      [
        "ClusterRole",
        "",
        [
          { apiGroups: ["authentication.k8s.io"], resources: ["tokenreviews"], verbs: ["create"] },
          { apiGroups: ["authorization.k8s.io"], resources: ["subjectaccessreviews"], verbs: ["create"] },
        ],
      ],
      [
        "ClusterRole",
        "",
        [
          {
            apiGroups: ["kubedump.io"],
            resources: ["repositories", "backupconfigurations", "backupsessions", "restoresessions"],
            verbs: ["get", "list"],
          },
          { apiGroups: ["kubedump.io"], resources: ["backupsessions", "restoresessions"], verbs: ["create"] },
        ],
      ],
    ]);
    const account = one(objs, "ServiceAccount").metadata.name;
    const storage = objs.find((o) => o.kind === "ClusterRoleBinding" && o.metadata.name.endsWith("-storage-secrets"));
    expect(storage?.subjects.map((s: Obj) => s.name)).toContain(account);
  });

  it("keeps the kubedump rules in the watched namespace with watchNamespace", async () => {
    const objs = await render([...ON, "--set", "watchNamespace=apps"]);
    const env = envOf(one(objs, "Deployment").spec.template.spec.containers[0], objs);
    expect(env.WATCH_NAMESPACE).toBe("apps");
    expect(rulesOf(objs).map(([kind, ns]) => [kind, ns])).toEqual([
      ["ClusterRole", ""],
      ["Role", "apps"],
    ]);
  });

  it("puts an Ingress in front of the Service, and trusts its X-Forwarded-Proto", async () => {
    const objs = await render([
      ...ON,
      ...["--set", "console.ingress.enabled=true", "--set", "console.ingress.host=kd.example.com"],
      ...["--set", "console.ingress.className=nginx", "--set", "console.ingress.tls[0].secretName=kd-tls"],
      ...["--set", "console.ingress.tls[0].hosts[0]=kd.example.com"],
    ]);
    const ingress = objs.find((o) => o.kind === "Ingress") as Obj;
    const service = one(objs, "Service");
    expect(ingress.spec).toEqual({
      ingressClassName: "nginx",
      tls: [{ secretName: "kd-tls", hosts: ["kd.example.com"] }],
      rules: [
        {
          host: "kd.example.com",
          http: {
            paths: [
              {
                path: "/",
                pathType: "Prefix",
                backend: { service: { name: service.metadata.name, port: { name: "http" } } },
              },
            ],
          },
        },
      ],
    });
    expect(envOf(one(objs, "Deployment").spec.template.spec.containers[0], objs).TRUST_PROXY).toBe("true");
  });

  it("lets console.networkPolicyFrom and the scrapers in when the chart makes NetworkPolicies", async () => {
    const objs = await render([...ON, "--set", "networkPolicy.enabled=true"]);
    const policy = one(objs, "NetworkPolicy");
    expect(policy.spec.podSelector.matchLabels["app.kubernetes.io/component"]).toBe("console");
    expect(policy.spec.ingress).toEqual([
      {
        from: [
          { namespaceSelector: {} },
          { namespaceSelector: {}, podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } } },
        ],
        ports: [{ port: 8080, protocol: "TCP" }],
      },
    ]);
  });

  it("uses your Secret for the CSRF key, and makes none of its own", async () => {
    const objs = await render([...ON, "--set", "console.csrfKey.existingSecret=mine"]);
    expect(objs.filter((o) => o.kind === "Secret" && isConsole(o))).toEqual([]);
    const env = one(objs, "Deployment").spec.template.spec.containers[0].env as Obj[];
    expect(env.find((e) => e.name === "CSRF_KEY")?.valueFrom.secretKeyRef).toEqual({ name: "mine", key: "csrf-key" });
  });

  it("refuses a CSRF key shorter than 32 characters, and passes helm lint --strict with everything on", async () => {
    await expect(render([...ON, "--set", "console.csrfKey.value=short"])).rejects.toThrow(/csrfKey/);
    const on = [...ON, "--set", "console.ingress.enabled=true", "--set", "networkPolicy.enabled=true"];
    expect(await helm("lint", "--strict", CHART, ...on)).toContain("0 chart(s) failed");
  });
});
