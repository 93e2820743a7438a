import { request } from "node:https";
import type { TestEnvInfo } from "./testenv.js";

export interface KubeHttpResponse {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: raw API server JSON, inspected by tests
  body: any;
  text: string;
}

export interface KubeHttpOptions {
  method?: string;
  body?: unknown;
  /** Act as this bearer token instead of the admin client certificate. */
  token?: string;
  contentType?: string;
}

/** A raw HTTPS call to the test API server, as the admin or as a bearer token. */
export function kubeHttp(
  env: Pick<TestEnvInfo, "kubeApiUrl" | "caPem" | "adminCertPem" | "adminKeyPem">,
  path: string,
  opts: KubeHttpOptions = {},
): Promise<KubeHttpResponse> {
  const url = new URL(path, env.kubeApiUrl);
  const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  const headers: Record<string, string> = { accept: "application/json" };
  if (payload) headers["content-type"] = opts.contentType ?? "application/json";
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  return new Promise((done, fail) => {
    const req = request(
      url,
      {
        method: opts.method ?? (payload ? "POST" : "GET"),
        headers,
        ca: env.caPem,
        ...(opts.token ? {} : { cert: env.adminCertPem, key: env.adminKeyPem }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON (a watch stream, or plain text)
          }
          done({ status: res.statusCode ?? 0, body, text });
        });
      },
    );
    req.on("error", fail);
    if (payload) req.write(payload);
    req.end();
  });
}
