import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ensureBinary } from "../binaries.js";
import { probeStatus } from "../http-probe.js";
import { freePorts } from "../ports.js";
import { type ServerProcess, startServer } from "../process.js";

export interface Minio {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  /** PEM of the CA that signed MinIO's certificate when started with TLS. */
  caCert?: string;
  process: ServerProcess;
}

export interface MinioOptions {
  /** Serve HTTPS with this certificate (public.crt/private.key are copied into a certs dir). */
  tls?: { certPem: string; keyPem: string; caPem: string };
  /** More environment, e.g. MINIO_IDENTITY_OPENID_* for an STS. */
  env?: Record<string, string>;
  /** PEMs of CAs MinIO trusts for its outgoing calls (an OpenID provider), put into its certs dir's CAs/. */
  trustedCas?: string[];
}

export async function startMinio(dir: string, opts: MinioOptions = {}): Promise<Minio> {
  const bin = await ensureBinary("minio");
  const [port, consolePort] = await freePorts(2);
  const data = join(dir, "minio-data");
  const certs = join(dir, "minio-certs");
  mkdirSync(data, { recursive: true });
  mkdirSync(certs, { recursive: true });
  for (const [i, pem] of (opts.trustedCas ?? []).entries()) {
    mkdirSync(join(certs, "CAs"), { recursive: true });
    writeFileSync(join(certs, "CAs", `trusted-${i}.crt`), pem);
  }
  if (opts.tls) {
    writeFileSync(join(certs, "public.crt"), opts.tls.certPem);
    writeFileSync(join(certs, "private.key"), opts.tls.keyPem, { mode: 0o600 });
  }
  const accessKey = `testenv${randomBytes(6).toString("hex")}`;
  const secretKey = randomBytes(24).toString("base64url");
  const scheme = opts.tls ? "https" : "http";
  const endpoint = `${scheme}://127.0.0.1:${port}`;
  const process = await startServer({
    name: "minio",
    command: bin,
    args: [
      "server",
      data,
      "--address",
      `127.0.0.1:${port}`,
      "--console-address",
      `127.0.0.1:${consolePort}`,
      "--certs-dir",
      certs,
      "--quiet",
    ],
    env: {
      ...globalThis.process.env,
      MINIO_ROOT_USER: accessKey,
      MINIO_ROOT_PASSWORD: secretKey,
      MINIO_BROWSER: "off",
      MINIO_UPDATE: "off",
      ...opts.env,
    },
    logPath: join(dir, "minio.log"),
    ready: async () =>
      (await probeStatus(`${endpoint}/minio/health/ready`, opts.tls ? { ca: opts.tls.caPem } : {})) === 200,
  });
  return { endpoint, accessKey, secretKey, caCert: opts.tls?.caPem, process };
}
