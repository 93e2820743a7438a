import { createHash, createPrivateKey, createPublicKey, randomBytes, sign } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { kubeHttp } from "./kube-http.js";
import { type Minio, startMinio } from "./servers/minio.js";
import type { TestEnvInfo } from "./testenv.js";

type Env = Pick<TestEnvInfo, "dir" | "kubeApiUrl" | "caPem" | "adminCertPem" | "adminKeyPem">;

/** A MinIO whose STS trusts the test API server's ServiceAccount tokens for one audience. */
export interface StsMinio extends Minio {
  /** MINIO_IDENTITY_OPENID_CLIENT_ID: the audience a token must have. */
  clientId: string;
  /** The role (policy readwrite) to assume: AWS_ROLE_ARN. */
  roleArn: string;
}

/** Lets anyone read the API server's discovery document and JWKS, as an OpenID relying party must. */
async function allowIssuerDiscovery(t: Env): Promise<void> {
  const res = await kubeHttp(t, "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", {
    body: {
      metadata: { name: "kubedump-testenv-issuer-discovery" },
      roleRef: {
        apiGroup: "rbac.authorization.k8s.io",
        kind: "ClusterRole",
        name: "system:service-account-issuer-discovery",
      },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "system:unauthenticated" }],
    },
  });
  if (res.status !== 201 && res.status !== 409) throw new Error(`binding issuer discovery: ${res.status} ${res.text}`);
}

/** MinIO's role ARN for an OpenID provider with a role policy: a hash of its client id (region unset). */
export const minioRoleArn = (clientId: string): string =>
  `arn:minio:iam:::role/${createHash("sha1").update(clientId).digest("base64url")}`;

/**
 * A MinIO of its own (in `dir`) whose STS answers AssumeRoleWithWebIdentity for tokens of the test
 * API server, which is its OpenID provider: MinIO reads the discovery document and JWKS from it,
 * trusting its CA; tokens must have the audience `clientId`.
 */
export async function startStsMinio(t: Env, dir: string, clientId: string): Promise<StsMinio> {
  await allowIssuerDiscovery(t);
  mkdirSync(dir, { recursive: true });
  const minio = await startMinio(dir, {
    trustedCas: [t.caPem],
    env: {
      MINIO_IDENTITY_OPENID_CONFIG_URL: `${t.kubeApiUrl}/.well-known/openid-configuration`,
      MINIO_IDENTITY_OPENID_CLIENT_ID: clientId,
      MINIO_IDENTITY_OPENID_ROLE_POLICY: "readwrite",
    },
  });
  const roleArn = minioRoleArn(clientId);
  await roleDefined(minio.endpoint, roleArn);
  return { ...minio, clientId, roleArn };
}

/**
 * Waits until MinIO's STS knows the role: it reports ready before its IAM has loaded the role
 * policies. A token that is no JWT is refused for that once the role is known.
 */
async function roleDefined(endpoint: string, roleArn: string, timeoutMs = 30_000): Promise<void> {
  const body = new URLSearchParams({
    Action: "AssumeRoleWithWebIdentity",
    Version: "2011-06-15",
    RoleArn: roleArn,
    WebIdentityToken: "not-a-jwt",
  });
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    const res = await fetch(endpoint, { method: "POST", body }).catch((err: Error) => err);
    last = res instanceof Error ? res.message : await res.text();
    if (!(res instanceof Error) && res.status === 400 && !/RoleArn|IAM/i.test(last)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`MinIO's STS at ${endpoint} did not come to know role ${roleArn}: ${last.slice(0, 300)}`);
}

/** A ServiceAccount's token from TokenRequest, for `audience` (expirationSeconds: 600 at least). */
export async function serviceAccountToken(
  t: Env,
  ns: string,
  name: string,
  opts: { audience: string; expirationSeconds?: number },
): Promise<string> {
  const sa = await kubeHttp(t, `/api/v1/namespaces/${ns}/serviceaccounts`, { body: { metadata: { name } } });
  if (sa.status !== 201 && sa.status !== 409) throw new Error(`creating ServiceAccount ${ns}/${name}: ${sa.status}`);
  const res = await kubeHttp(t, `/api/v1/namespaces/${ns}/serviceaccounts/${name}/token`, {
    body: {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenRequest",
      spec: { audiences: [opts.audience], expirationSeconds: opts.expirationSeconds ?? 600 },
    },
  });
  if (res.status !== 201) throw new Error(`TokenRequest for ServiceAccount ${ns}/${name}: ${res.status} ${res.text}`);
  return res.body.status.token as string;
}

/**
 * A ServiceAccount token signed with the test API server's own key (as it signs them, kid and
 * issuer included) but already expired: the API server's TokenRequest gives none shorter than 10
 * minutes, and a test cannot wait for one to expire.
 */
export function expiredServiceAccountToken(t: Env, opts: { audience: string; subject: string }): string {
  const key = createPrivateKey(readFileSync(join(t.dir, "sa.key")));
  const der = createPublicKey(key).export({ type: "spki", format: "der" });
  const kid = createHash("sha256").update(der).digest("base64url");
  const nowS = Math.floor(Date.now() / 1000);
  const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const header = b64({ alg: "RS256", kid });
  const payload = b64({
    iss: t.kubeApiUrl,
    sub: opts.subject,
    aud: [opts.audience],
    iat: nowS - 7200,
    nbf: nowS - 7200,
    exp: nowS - 3600,
    jti: randomBytes(8).toString("hex"),
  });
  const signature = sign("sha256", Buffer.from(`${header}.${payload}`), key).toString("base64url");
  return `${header}.${payload}.${signature}`;
}
