import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ensureBinary } from "../binaries.js";
import { probeStatus } from "../http-probe.js";
import type { Pki } from "../pki.js";
import { freePort } from "../ports.js";
import { type ServerProcess, startServer } from "../process.js";

export interface KubeApiServer {
  url: string;
  /** PEM of the CA that signed the serving and client certificates. */
  caPem: string;
  admin: { certPem: string; keyPem: string };
  /** kubeconfig for the admin identity (O=system:masters). */
  kubeconfigPath: string;
  /** The service-account signing key (PKCS#8 PEM), which the controller-manager signs tokens with. */
  serviceAccountKeyPath: string;
  process: ServerProcess;
}

/** The issuer a cluster's tokens have in-cluster, accepted besides the API server's URL (the issuer of new tokens). */
export const SERVICE_ACCOUNT_ISSUER = "https://kubernetes.default.svc.cluster.local";

/**
 * kube-apiserver with client-certificate authentication, RBAC authorization and service-account
 * token signing. There is no controller-manager: nothing reconciles Pods, namespaces or GC.
 * `opts.port`: the port to serve on (a restart on the same port); default a free one.
 */
export async function startKubeApiServer(
  dir: string,
  pki: Pki,
  etcdUrl: string,
  opts: { port?: number } = {},
): Promise<KubeApiServer> {
  const bin = await ensureBinary("kube-apiserver");
  const port = opts.port ?? (await freePort());
  const url = `https://127.0.0.1:${port}`;
  const certDir = join(dir, "apiserver-certs");
  mkdirSync(certDir, { recursive: true });
  const serving = pki.issue("apiserver", {
    cn: "kube-apiserver",
    sans: ["127.0.0.1", "localhost", "10.0.0.1", "kubernetes", "kubernetes.default", "kubernetes.default.svc"],
  });
  const admin = pki.issue("admin", { cn: "kubedump-testenv-admin", org: "system:masters", client: true });
  const front = pki.issue("front-proxy-client", { cn: "front-proxy-client", client: true });
  const sa = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const saKey = join(dir, "sa.key");
  const saPub = join(dir, "sa.pub");
  writeFileSync(saKey, sa.privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
  writeFileSync(saPub, sa.publicKey.export({ type: "spki", format: "pem" }));

  const process = await startServer({
    name: "kube-apiserver",
    command: bin,
    args: [
      `--etcd-servers=${etcdUrl}`,
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      `--secure-port=${port}`,
      `--cert-dir=${certDir}`,
      `--tls-cert-file=${serving.cert}`,
      `--tls-private-key-file=${serving.key}`,
      `--client-ca-file=${pki.ca.cert}`,
      "--authorization-mode=RBAC",
      "--service-cluster-ip-range=10.0.0.0/24",
      // An OpenID issuer others can reach (MinIO's STS trusts its tokens): new tokens name the URL
      // it serves /.well-known/openid-configuration and /openid/v1/jwks at; the in-cluster name
      // stays accepted.
      `--service-account-issuer=${url}`,
      `--service-account-issuer=${SERVICE_ACCOUNT_ISSUER}`,
      `--service-account-key-file=${saPub}`,
      `--service-account-signing-key-file=${saKey}`,
      `--api-audiences=${SERVICE_ACCOUNT_ISSUER}`,
      // No controller-manager creates `default` ServiceAccounts, so Pods could never be admitted.
      "--disable-admission-plugins=ServiceAccount",
      // The aggregation layer, so APIServices (and their failures) behave as in a real cluster.
      `--requestheader-client-ca-file=${pki.ca.cert}`,
      "--requestheader-allowed-names=front-proxy-client",
      "--requestheader-username-headers=X-Remote-User",
      "--requestheader-group-headers=X-Remote-Group",
      "--requestheader-extra-headers-prefix=X-Remote-Extra-",
      `--proxy-client-cert-file=${front.cert}`,
      `--proxy-client-key-file=${front.key}`,
      "--profiling=false",
      "--max-requests-inflight=800",
      "--max-mutating-requests-inflight=400",
      "--v=0",
    ],
    logPath: join(dir, "kube-apiserver.log"),
    ready: async () =>
      (await probeStatus(`${url}/readyz`, { ca: pki.ca.certPem, cert: admin.certPem, key: admin.keyPem })) === 200,
    timeoutMs: 180_000,
  });

  const kubeconfigPath = join(dir, "kubeconfig");
  writeFileSync(kubeconfigPath, kubeconfig(url, pki.ca.certPem, admin.certPem, admin.keyPem), { mode: 0o600 });
  return {
    url,
    caPem: pki.ca.certPem,
    admin: { certPem: admin.certPem, keyPem: admin.keyPem },
    kubeconfigPath,
    serviceAccountKeyPath: saKey,
    process,
  };
}

const b64 = (s: string) => Buffer.from(s).toString("base64");

export function kubeconfig(url: string, caPem: string, certPem: string, keyPem: string): string {
  return `apiVersion: v1
kind: Config
clusters:
- name: testenv
  cluster:
    server: ${url}
    certificate-authority-data: ${b64(caPem)}
users:
- name: admin
  user:
    client-certificate-data: ${b64(certPem)}
    client-key-data: ${b64(keyPem)}
contexts:
- name: testenv
  context: {cluster: testenv, user: admin}
current-context: testenv
`;
}
