// Seeds the benchmark's objects: N objects over K namespaces `bench-<i>`, a realistic mix,
// created concurrently over keep-alive HTTPS.
import { Agent, request } from "node:https";
import { request as httpRequest } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { apiPathOf, apiVersionOf, resourceKey } from "@kubedump/kube";

export const NAMESPACE_PREFIX = "bench-";
export const namespaceName = (i) => `${NAMESPACE_PREFIX}${i}`;

/** The types objectFor creates, as discovery gives them (a ResourceType of @kubedump/kube), with their apiVersion. */
export const SEED_TYPES = [
  ["", "v1", "configmaps", "ConfigMap"],
  ["", "v1", "secrets", "Secret"],
  ["", "v1", "services", "Service"],
  ["", "v1", "serviceaccounts", "ServiceAccount"],
  ["apps", "v1", "deployments", "Deployment"],
  ["rbac.authorization.k8s.io", "v1", "roles", "Role"],
  ["rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding"],
].map(([group, version, resource, kind]) => ({
  group,
  version,
  resource,
  kind,
  namespaced: true,
  verbs: ["list"],
  key: resourceKey(resource, group),
  apiPath: apiPathOf(group, version),
  apiVersion: apiVersionOf(group, version),
}));

/** Deterministic pseudo-random numbers, so every run seeds the same bytes. */
function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

const WORDS = [
  "alpha",
  "bravo",
  "charlie",
  "delta",
  "echo",
  "foxtrot",
  "golf",
  "hotel",
  "india",
  "juliet",
  "kilo",
  "lima",
  "mike",
  "november",
  "oscar",
  "papa",
  "quebec",
  "romeo",
  "sierra",
  "tango",
  "uniform",
  "victor",
  "whiskey",
  "xray",
];

function text(rand, bytes) {
  let out = "";
  while (out.length < bytes) {
    const w = WORDS[Math.floor(rand() * WORDS.length)];
    out += rand() < 0.1 ? `${w}\n` : `${w}=${Math.floor(rand() * 100000)} `;
  }
  return out.slice(0, bytes);
}

const labelsOf = (i, app) => ({
  app,
  "app.kubernetes.io/name": app,
  "app.kubernetes.io/part-of": `system-${i % 37}`,
  "app.kubernetes.io/managed-by": "bench",
  tier: ["front", "back", "data"][i % 3],
  team: `team-${i % 13}`,
});

/**
 * The i-th object: 40% ConfigMaps (1–2 KB of data), 20% Secrets, 10% headless Services, 10%
 * ServiceAccounts, 10% Deployments (never get Pods: there is no controller-manager), 5% Roles,
 * 5% RoleBindings. Services are headless because the test API server's service CIDR is a /24.
 */
export function objectFor(i, namespaces) {
  const ns = namespaceName(i % namespaces);
  const rand = rng(i * 2654435761 + 1);
  const app = `app-${i % 997}`;
  const labels = labelsOf(i, app);
  const annotations = {
    "bench.kubedump.io/owner": `owner-${i % 101}@example.com`,
    "bench.kubedump.io/ticket": `OPS-${10000 + (i % 9000)}`,
  };
  const bucket = i % 20;
  if (bucket < 8) {
    const keys = 2 + (i % 3);
    const total = 1000 + Math.floor(rand() * 1000);
    const data = {};
    for (let k = 0; k < keys; k++) data[`config-${k}.properties`] = text(rand, Math.floor(total / keys));
    return {
      path: `/api/v1/namespaces/${ns}/configmaps`,
      body: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: `cm-${i}`, labels, annotations }, data },
    };
  }
  if (bucket < 12) {
    return {
      path: `/api/v1/namespaces/${ns}/secrets`,
      body: {
        apiVersion: "v1",
        kind: "Secret",
        type: "Opaque",
        metadata: { name: `secret-${i}`, labels },
        stringData: {
          username: `user-${i}`,
          password: text(rand, 32),
          "tls.key": text(rand, 300 + Math.floor(rand() * 300)),
        },
      },
    };
  }
  if (bucket < 14) {
    return {
      path: `/api/v1/namespaces/${ns}/services`,
      body: {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: `svc-${i}`, labels, annotations },
        spec: {
          clusterIP: "None",
          selector: { app },
          ports: [
            { name: "http", port: 80, targetPort: 8080 },
            { name: "metrics", port: 9090, targetPort: 9090 },
          ],
        },
      },
    };
  }
  if (bucket < 16) {
    return {
      path: `/api/v1/namespaces/${ns}/serviceaccounts`,
      body: {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: `sa-${i}`, labels, annotations },
        imagePullSecrets: [{ name: "registry" }],
      },
    };
  }
  if (bucket < 18) {
    return {
      path: `/apis/apps/v1/namespaces/${ns}/deployments`,
      body: {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: `deploy-${i}`, labels, annotations },
        spec: {
          replicas: 1 + (i % 3),
          selector: { matchLabels: { app, "bench.kubedump.io/instance": `deploy-${i}` } },
          template: {
            metadata: { labels: { app, "bench.kubedump.io/instance": `deploy-${i}` } },
            spec: {
              serviceAccountName: `sa-${i - 2}`,
              containers: [
                {
                  name: "main",
                  image: `registry.example.com/${app}:1.${i % 50}.0`,
                  ports: [{ containerPort: 8080, name: "http" }],
                  env: [
                    { name: "MODE", value: "prod" },
                    { name: "LOG_LEVEL", value: "info" },
                    { name: "CONFIG", value: `/etc/${app}/config` },
                  ],
                  resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
                  readinessProbe: { httpGet: { path: "/ready", port: 8080 }, periodSeconds: 10 },
                  volumeMounts: [{ name: "config", mountPath: `/etc/${app}` }],
                },
              ],
              volumes: [{ name: "config", configMap: { name: `cm-${i - 16}` } }],
            },
          },
        },
      },
    };
  }
  if (bucket === 18) {
    return {
      path: `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`,
      body: {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "Role",
        metadata: { name: `role-${i}`, labels },
        rules: [
          { apiGroups: [""], resources: ["configmaps", "secrets"], verbs: ["get", "list", "watch"] },
          { apiGroups: ["apps"], resources: ["deployments"], verbs: ["get", "list", "watch", "update", "patch"] },
        ],
      },
    };
  }
  return {
    path: `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`,
    body: {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: `rb-${i}`, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: `role-${i - 1}` },
      subjects: [{ kind: "ServiceAccount", name: `sa-${i - 4}`, namespace: ns }],
    },
  };
}

/** POSTs JSON over `agent`; resolves with the status code (and the body on errors). */
async function post(conn, auth, agent, path, body) {
  const url = new URL(conn.server + path);
  const payload = Buffer.from(JSON.stringify(body));
  const opts = {
    ...auth,
    method: "POST",
    agent: url.protocol === "https:" ? agent : undefined,
    headers: {
      ...auth.headers,
      "content-type": "application/json",
      accept: "application/json",
      "content-length": payload.length,
    },
  };
  return new Promise((done, fail) => {
    const req = (url.protocol === "https:" ? request : httpRequest)(url, opts, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () =>
        done({ status: res.statusCode, text: res.statusCode >= 300 ? Buffer.concat(chunks).toString("utf8") : "" }),
      );
      res.on("error", fail);
    });
    req.on("error", fail);
    req.end(payload);
  });
}

async function createOne(conn, auth, agent, { path, body }) {
  for (let attempt = 0; ; attempt++) {
    let res;
    try {
      res = await post(conn, auth, agent, path, body);
    } catch (err) {
      if (attempt >= 5) throw err;
      await sleep(200 * 2 ** attempt);
      continue;
    }
    if (res.status === 201) return "created";
    if (res.status === 409) return "existed";
    if ((res.status === 429 || res.status >= 500) && attempt < 5) {
      await sleep(200 * 2 ** attempt);
      continue;
    }
    throw new Error(`creating ${path}/${body.metadata.name}: ${res.status} ${res.text.slice(0, 300)}`);
  }
}

/**
 * Creates namespaces bench-0..K-1 and objects 0..N-1, `concurrency` requests in flight.
 * Idempotent: objects that exist already count as `existed`.
 */
export async function seed(conn, { objects, namespaces, concurrency = 48, progress = () => {} }) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  // Credentials once, not per request: the kubeconfig library's apply costs as much CPU as a create
  // (fine for certificates and for tokens that live longer than the seeding).
  const auth = { headers: {} };
  await conn.apply(auth);
  if (conn.skipTLSVerify) auth.rejectUnauthorized = false;
  const t0 = performance.now();
  const counts = { created: 0, existed: 0 };
  try {
    await Promise.all(
      Array.from({ length: namespaces }, (_, i) =>
        createOne(conn, auth, agent, {
          path: "/api/v1/namespaces",
          body: {
            apiVersion: "v1",
            kind: "Namespace",
            metadata: { name: namespaceName(i), labels: { "bench.kubedump.io/seeded": "true" } },
          },
        }),
      ),
    );
    let next = 0;
    let lastReport = performance.now();
    const worker = async () => {
      for (let i = next++; i < objects; i = next++) {
        counts[await createOne(conn, auth, agent, objectFor(i, namespaces))]++;
        const now = performance.now();
        if (now - lastReport > 5000) {
          lastReport = now;
          const done = counts.created + counts.existed;
          progress(
            `seeded ${done.toLocaleString("en-US")}/${objects.toLocaleString("en-US")} (${Math.round(done / ((now - t0) / 1000))} objects/s)`,
          );
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    agent.destroy();
  }
  const seconds = (performance.now() - t0) / 1000;
  return { ...counts, seconds, rate: objects / seconds };
}
