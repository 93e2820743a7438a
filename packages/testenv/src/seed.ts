import { kubeHttp } from "./kube-http.js";
import type { TestEnvInfo } from "./testenv.js";

type Env = Pick<TestEnvInfo, "kubeApiUrl" | "caPem" | "adminCertPem" | "adminKeyPem">;
// biome-ignore lint/suspicious/noExplicitAny: raw objects for the API server
type Obj = Record<string, any>;

/** What `seedCluster` made, for tests to build expectations from. */
export interface SeededCluster {
  prefix: string;
  namespaces: { shop: string; blog: string };
  /** The custom resource group whose ConfigMap kind collides with the core ConfigMap. */
  customGroup: string;
  clusterRoles: string[];
  uids: Record<string, string>;
}

export class SeedError extends Error {
  override name = "SeedError";
}

/** Creates (or finds) an object; returns it as the server holds it. */
export async function apply(env: Env, collection: string, obj: Obj): Promise<Obj> {
  const res = await kubeHttp(env, collection, { body: obj });
  if (res.status === 201) return res.body;
  if (res.status === 409) return (await kubeHttp(env, `${collection}/${obj.metadata.name}`)).body;
  throw new SeedError(`creating ${collection}/${obj.metadata.name}: ${res.status} ${res.text.slice(0, 300)}`);
}

/**
 * A namespaced CRD of `kind` in `group`, served at v1 with a status subresource and a small
 * structural schema (spec.color, spec.size, status.ready): the custom types the tests seed.
 */
export function testCrd(group: string, plural: string, kind: string, labels?: Obj): Obj {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${plural}.${group}`, ...(labels && { labels }) },
    spec: {
      group,
      scope: "Namespaced",
      names: { plural, singular: kind.toLowerCase(), kind, listKind: `${kind}List` },
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: {
            openAPIV3Schema: {
              type: "object",
              properties: {
                spec: { type: "object", properties: { color: { type: "string" }, size: { type: "integer" } } },
                status: { type: "object", properties: { ready: { type: "boolean" } } },
              },
            },
          },
        },
      ],
    },
  };
}

/** Creates a CRD and waits until its API is served. */
export async function applyCrd(env: Env, crd: Obj): Promise<void> {
  await apply(env, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
  const v = crd.spec.versions[0].name;
  const path = `/apis/${crd.spec.group}/${v}/${crd.spec.names.plural}`;
  for (let i = 0; i < 300; i++) {
    if ((await kubeHttp(env, path)).status === 200) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new SeedError(`CRD ${crd.metadata.name} was not served within 30 s`);
}

/**
 * An APIService `v1.<group>` whose Service does not exist, once its group is discovered: listing
 * it fails. It degrades discovery for every client, so use it on a kube-apiserver of your own.
 */
export async function applyBrokenApiService(env: Env, group: string): Promise<void> {
  await apply(env, "/apis/apiregistration.k8s.io/v1/apiservices", {
    apiVersion: "apiregistration.k8s.io/v1",
    kind: "APIService",
    metadata: { name: `v1.${group}` },
    spec: {
      group,
      version: "v1",
      service: { namespace: "kube-system", name: "no-such-service", port: 443 },
      insecureSkipTLSVerify: true,
      groupPriorityMinimum: 1000,
      versionPriority: 15,
    },
  });
  for (let i = 0; i < 300; i++) {
    const groups = (await kubeHttp(env, "/apis")).body.groups as { name: string }[];
    if (groups.some((g) => g.name === group)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new SeedError(`the APIService of ${group} was not discovered within 30 s`);
}

const owner = (o: Obj, controller = true) => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  name: o.metadata.name,
  uid: o.metadata.uid,
  controller,
  blockOwnerDeletion: true,
});

const podSpec = (image: string) => ({
  containers: [{ name: "main", image, ports: [{ containerPort: 8080 }], env: [{ name: "MODE", value: "prod" }] }],
});

/**
 * A small realistic cluster under `prefix`: two namespaces with Deployments → ReplicaSets → Pods
 * linked by ownerReferences, Services, ConfigMaps, Secrets, ServiceAccounts, an Event, a CRD
 * whose Kind collides with a core Kind, ClusterRoles with ':' in their names, and an object
 * labelled for exclusion.
 */
export async function seedCluster(env: Env, prefix: string): Promise<SeededCluster> {
  const shop = `${prefix}-shop`;
  const blog = `${prefix}-blog`;
  const customGroup = `${prefix}.example.com`;
  const uids: Record<string, string> = {};
  const put = async (key: string, collection: string, obj: Obj) => {
    const got = await apply(env, collection, obj);
    uids[key] = got.metadata.uid;
    return got;
  };
  for (const ns of [shop, blog])
    await put(`ns/${ns}`, "/api/v1/namespaces", { metadata: { name: ns, labels: { team: prefix } } });

  for (const [ns, app] of [
    [shop, "web"],
    [blog, "api"],
  ] as const) {
    const labels = { app, tier: app === "web" ? "front" : "back" };
    const dep = await put(`${ns}/deployment/${app}`, `/apis/apps/v1/namespaces/${ns}/deployments`, {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: {
        name: app,
        labels,
        annotations: { "kubectl.kubernetes.io/last-applied-configuration": "{}", owner: "team-a" },
      },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app } },
        template: { metadata: { labels: { app } }, spec: podSpec(`example/${app}:1.0`) },
      },
    });
    const rs = await put(`${ns}/replicaset/${app}-5d4f`, `/apis/apps/v1/namespaces/${ns}/replicasets`, {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: {
        name: `${app}-5d4f`,
        labels: { app, "pod-template-hash": "5d4f" },
        annotations: { "deployment.kubernetes.io/revision": "1" },
        ownerReferences: [owner(dep)],
      },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app, "pod-template-hash": "5d4f" } },
        template: { metadata: { labels: { app, "pod-template-hash": "5d4f" } }, spec: podSpec(`example/${app}:1.0`) },
      },
    });
    for (const i of [1, 2]) {
      await put(`${ns}/pod/${app}-5d4f-${i}`, `/api/v1/namespaces/${ns}/pods`, {
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
          name: `${app}-5d4f-${i}`,
          labels: { app, "pod-template-hash": "5d4f" },
          ownerReferences: [owner(rs)],
        },
        spec: { ...podSpec(`example/${app}:1.0`), nodeName: "node-1", serviceAccountName: "default" },
      });
    }
    await put(`${ns}/service/${app}`, `/api/v1/namespaces/${ns}/services`, {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: app, labels },
      spec: { selector: { app }, ports: [{ name: "http", port: 80, targetPort: 8080 }] },
    });
    await put(`${ns}/configmap/${app}-config`, `/api/v1/namespaces/${ns}/configmaps`, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: `${app}-config`, labels },
      data: { "app.properties": "color=blue\n" },
    });
    await put(`${ns}/secret/${app}-secret`, `/api/v1/namespaces/${ns}/secrets`, {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: `${app}-secret`, labels },
      type: "Opaque",
      stringData: { password: `s3cr3t-${prefix}-${app}` },
    });
    await put(`${ns}/serviceaccount/${app}`, `/api/v1/namespaces/${ns}/serviceaccounts`, {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: app, labels },
    });
  }
  await put(`${shop}/configmap/skip-me`, `/api/v1/namespaces/${shop}/configmaps`, {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "skip-me", labels: { "kubedump.io/exclude": "true", app: "web" } },
    data: { a: "b" },
  });
  await put(`${shop}/event/web.1`, `/api/v1/namespaces/${shop}/events`, {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: "web.1" },
    reason: "Seeded",
    message: "seeded event",
    type: "Normal",
    involvedObject: { apiVersion: "apps/v1", kind: "Deployment", name: "web", namespace: shop },
  });

  await applyCrd(env, testCrd(customGroup, "configmaps", "ConfigMap"));
  await put(`${shop}/configmaps.${customGroup}/web-config`, `/apis/${customGroup}/v1/namespaces/${shop}/configmaps`, {
    apiVersion: `${customGroup}/v1`,
    kind: "ConfigMap",
    metadata: { name: "web-config", labels: { app: "web" } },
    spec: { color: "green", size: 3 },
  });

  const clusterRoles = [`${prefix}:reader`, `system:${prefix}:controller`];
  for (const name of clusterRoles) {
    await put(`clusterrole/${name}`, "/apis/rbac.authorization.k8s.io/v1/clusterroles", {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name, labels: { team: prefix } },
      rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list"] }],
    });
  }
  return { prefix, namespaces: { shop, blog }, customGroup, clusterRoles, uids };
}
