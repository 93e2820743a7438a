import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { kubeHttp, modulesLoadedBy } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { KubeClient } from "./client.js";
import { KubeConfigError } from "./errors.js";
import { type KubeConfigEnvironment, loadConnection } from "./kubeconfig.js";

// Kubeconfig loading against the real API server: every way of authenticating is checked by asking
// the server who the request came from (SelfSubjectReview).
const env = inject("testenv");
const NS = "kcfg";
let dir: string;
const tokens: Record<string, string> = {};

async function tokenFor(sa: string): Promise<string> {
  const res = await kubeHttp(env, `/api/v1/namespaces/${NS}/serviceaccounts/${sa}/token`, {
    body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: 3600 } },
  });
  if (res.status !== 201) throw new Error(`TokenRequest for ${sa}: ${res.status} ${res.text}`);
  return res.body.status.token as string;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "kubedump-kubeconfig-test-"));
  await kubeHttp(env, "/api/v1/namespaces", { body: { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } } });
  for (const sa of ["reader", "writer"]) {
    await kubeHttp(env, `/api/v1/namespaces/${NS}/serviceaccounts`, {
      body: { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: sa } },
    });
    tokens[sa] = await tokenFor(sa);
  }
  writeFileSync(join(dir, "ca.crt"), env.caPem);
  writeFileSync(join(dir, "admin.crt"), env.adminCertPem);
  writeFileSync(join(dir, "admin.key"), env.adminKeyPem);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const b64 = (s: string) => Buffer.from(s).toString("base64");
/** Nothing found by default: no $KUBECONFIG, an empty home, no service account. */
const nowhere = (): KubeConfigEnvironment => ({
  env: {},
  home: join(dir, "empty-home"),
  serviceAccountDir: join(dir, "no-sa"),
});

function write(name: string, text: string): string {
  const file = join(dir, name);
  mkdirSync(join(file, ".."), { recursive: true });
  writeFileSync(file, text);
  return file;
}

/** Who the API server says the connection's requests come from. */
async function whoami(conn: ReturnType<typeof loadConnection>): Promise<string> {
  const client = new KubeClient(conn, { maxRetries: 0 });
  try {
    const review = await client.create<{ status: { userInfo: { username: string } } }>(
      "/apis/authentication.k8s.io/v1/selfsubjectreviews",
      { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
    );
    return review.status.userInfo.username;
  } finally {
    client.close();
  }
}

describe("loadConnection", () => {
  it("reads CA, client certificate and key from files relative to the kubeconfig", async () => {
    const file = write(
      "rel/sub/config",
      `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "${env.kubeApiUrl}/", certificate-authority: ../../ca.crt}}]
users: [{name: admin, user: {client-certificate: ../../admin.crt, client-key: ../../admin.key}}]
contexts: [{name: x, context: {cluster: c, user: admin, namespace: shop}}]
current-context: x
`,
    );
    const conn = loadConnection({ kubeconfig: file }, nowhere());
    expect(conn.server).toBe(env.kubeApiUrl);
    expect(conn.namespace).toBe("shop");
    expect(await whoami(conn)).toBe("kubedump-testenv-admin");
  });

  it("reads a token file again after it was rotated", async () => {
    const tokenFile = join(dir, "rotating", "token");
    write("rotating/token", `${tokens.reader}\n`);
    const file = write(
      "rotating/config",
      `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "${env.kubeApiUrl}", certificate-authority-data: ${b64(env.caPem)}}}]
users: [{name: sa, user: {tokenFile: token}}]
contexts: [{name: x, context: {cluster: c, user: sa}}]
current-context: x
`,
    );
    const conn = loadConnection({ kubeconfig: file }, nowhere());
    expect(await whoami(conn)).toBe(`system:serviceaccount:${NS}:reader`);
    writeFileSync(tokenFile, tokens.writer as string);
    expect(await whoami(conn)).toBe(`system:serviceaccount:${NS}:writer`);
  });

  it("uses the Pod's service account when there is no kubeconfig, reading its token again after rotation", async () => {
    const sa = join(dir, "serviceaccount");
    write("serviceaccount/ca.crt", env.caPem);
    write("serviceaccount/token", tokens.reader as string);
    write("serviceaccount/namespace", "kube-system");
    const port = new URL(env.kubeApiUrl).port;
    const conn = loadConnection(
      {},
      {
        ...nowhere(),
        env: { KUBERNETES_SERVICE_HOST: "127.0.0.1", KUBERNETES_SERVICE_PORT: port },
        serviceAccountDir: sa,
      },
    );
    expect(conn.server).toBe(`https://127.0.0.1:${port}`);
    expect(conn.namespace).toBe("kube-system");
    expect(await whoami(conn)).toBe(`system:serviceaccount:${NS}:reader`);
    write("serviceaccount/token", `${tokens.writer}\n`);
    expect(await whoami(conn)).toBe(`system:serviceaccount:${NS}:writer`);
  });

  it("merges the files of $KUBECONFIG as kubectl does: the first to name an entry or a current-context wins", async () => {
    const a = write(
      "merge/a",
      `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "${env.kubeApiUrl}", certificate-authority-data: ${b64(env.caPem)}}}]
users: [{name: u, user: {token: ${tokens.reader}}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`,
    );
    const b = write(
      "merge/b",
      `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u2, user: {token: ${tokens.writer}}}]
contexts: [{name: x, context: {cluster: c, user: u2}}, {name: y, context: {cluster: c, user: u2}}]
current-context: y
`,
    );
    const where = { ...nowhere(), env: { KUBECONFIG: [join(dir, "merge", "missing"), a, b].join(delimiter) } };
    expect(await whoami(loadConnection({}, where))).toBe(`system:serviceaccount:${NS}:reader`);
    expect(await whoami(loadConnection({ context: "y" }, where))).toBe(`system:serviceaccount:${NS}:writer`);
  });

  it("hands exec credential plugins to @kubernetes/client-node", async () => {
    const plugin = write(
      "exec/plugin.js",
      `process.stdout.write(JSON.stringify({ apiVersion: "client.authentication.k8s.io/v1",
  kind: "ExecCredential", status: { token: ${JSON.stringify(tokens.writer)} } }));`,
    );
    const file = write(
      "exec/config",
      `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "${env.kubeApiUrl}", certificate-authority-data: ${b64(env.caPem)}}}]
users: [{name: e, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: ${process.execPath}, args: [${plugin}], interactiveMode: Never}}}]
contexts: [{name: x, context: {cluster: c, user: e}}]
current-context: x
`,
    );
    expect(await whoami(loadConnection({ kubeconfig: file }, nowhere()))).toBe(`system:serviceaccount:${NS}:writer`);
  });

  it("sends basic auth for a username and password", async () => {
    let seen: string | undefined;
    const server = createServer((req, res) => {
      seen = req.headers.authorization;
      res.end("{}");
    });
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    try {
      const port = (server.address() as { port: number }).port;
      const file = write(
        "basic/config",
        `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "http://127.0.0.1:${port}"}}]
users: [{name: b, user: {username: ops, password: "s3:cret"}}]
contexts: [{name: x, context: {cluster: c, user: b}}]
current-context: x
`,
      );
      const client = new KubeClient(loadConnection({ kubeconfig: file }, nowhere()));
      await client.get("/version");
      client.close();
      expect(seen).toBe(`Basic ${b64("ops:s3:cret")}`);
    } finally {
      server.close();
    }
  });

  it.each([
    [
      "an unknown context, listing the known ones",
      { context: "nope" },
      /context "nope" is not in the kubeconfig \(have: x, lost, empty\)/,
    ],
    [
      "a context whose user is missing",
      { context: "lost" },
      /context "lost" names user "ghost", which is not in the kubeconfig/,
    ],
    [
      "a context whose cluster has no server",
      { context: "empty" },
      /context "empty" names cluster "none", which the kubeconfig does not define with a server/,
    ],
  ])("refuses %s", (_, opts, message) => {
    const file = write(
      "errors/config",
      `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "${env.kubeApiUrl}"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}, {name: lost, context: {cluster: c, user: ghost}}, {name: empty, context: {cluster: none, user: u}}]
current-context: x
`,
    );
    expect(() => loadConnection({ kubeconfig: file, ...opts }, nowhere())).toThrow(message);
  });

  it("names the context when its client key cannot be used, and shows none of the key", async () => {
    const secret = "c2VjcmV0LWtleS1tYXRlcmlhbA";
    const file = write(
      "badkey/config",
      `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "${env.kubeApiUrl}", certificate-authority-data: ${b64(env.caPem)}}}]
users: [{name: admin, user: {client-certificate-data: ${b64(env.adminCertPem)}, client-key-data: ${b64(`-----BEGIN PRIVATE KEY-----\n${secret}\n-----END PRIVATE KEY-----\n`)}}}]
contexts: [{name: broken, context: {cluster: c, user: admin}}]
current-context: broken
`,
    );
    const client = new KubeClient(loadConnection({ kubeconfig: file }, nowhere()));
    try {
      const err = await client.get("/version").then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(KubeConfigError);
      expect((err as Error).message).toMatch(
        /context "broken": the certificate authority, client certificate or client key cannot be used/,
      );
      expect((err as Error).message).not.toContain(secret);
    } finally {
      client.close();
    }
  });
  it("says where it looked when there is no cluster at all", () => {
    expect(() => loadConnection({}, nowhere())).toThrow(KubeConfigError);
    expect(() => loadConnection({}, nowhere())).toThrow(
      /no cluster: set KUBECONFIG, pass --kubeconfig, or run inside a cluster/,
    );
    expect(() => loadConnection({ kubeconfig: join(dir, "absent") }, nowhere())).toThrow(
      /kubeconfig .*absent does not exist/,
    );
    expect(() => loadConnection({}, { ...nowhere(), env: { KUBECONFIG: join(dir, "absent") } })).toThrow(
      /no file of KUBECONFIG exists/,
    );
    write("sa-without-ca/token", "t");
    const inPod = {
      ...nowhere(),
      env: { KUBERNETES_SERVICE_HOST: "127.0.0.1", KUBERNETES_SERVICE_PORT: "6443" },
      serviceAccountDir: join(dir, "sa-without-ca"),
    };
    expect(() => loadConnection({}, inPod)).toThrow(
      /in-cluster: cannot read the service account's CA .*sa-without-ca\/ca\.crt/,
    );
    write("broken/config", "clusters: [unclosed");
    expect(() => loadConnection({ kubeconfig: join(dir, "broken/config") }, nowhere())).toThrow(
      /cannot load kubeconfig .*broken\/config/,
    );
  });

  it("does not load @kubernetes/client-node for a certificate or token kubeconfig", () => {
    const modules = modulesLoadedBy(
      `import { createKubeClient } from "@kubedump/kube";
const c = createKubeClient({ kubeconfig: ${JSON.stringify(env.kubeconfig)} });
await c.get("/version");
c.close();`,
      fileURLToPath(new URL("..", import.meta.url)),
    );
    expect(modules.some((m) => m.includes("/packages/kube/dist/kubeconfig.js"))).toBe(true);
    expect(modules.filter((m) => m.includes("@kubernetes/client-node"))).toEqual([]);
  });
});
