import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { rootCertificates } from "node:tls";

export interface CredentialHttpRequest {
  url: URL;
  method: "GET" | "PUT" | "POST";
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** PEM of an extra CA to trust besides the system's (an STS with its own CA). */
  ca?: string;
}

export interface CredentialHttpResponse {
  status: number;
  body: string;
}

/** The largest answer read from a credential endpoint; theirs are a few kilobytes. */
const MAX_BODY = 1024 * 1024;

/**
 * One request to a credential endpoint (STS, container agent, instance metadata), with a deadline
 * for the whole exchange. Rejects with the transport's error (ECONNREFUSED, ETIMEDOUT, ...), whose
 * message never holds the request's headers or body.
 */
export function credentialHttp(req: CredentialHttpRequest): Promise<CredentialHttpResponse> {
  const send = req.url.protocol === "https:" ? httpsRequest : httpRequest;
  const body = req.body === undefined ? undefined : Buffer.from(req.body);
  return new Promise((resolve, reject) => {
    const outgoing = send(
      req.url,
      {
        method: req.method,
        headers: { ...req.headers, ...(body ? { "content-length": String(body.length) } : {}) },
        signal: AbortSignal.timeout(req.timeoutMs),
        agent: false,
        ...(req.ca ? { ca: [...rootCertificates, req.ca] } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY) res.destroy(new Error(`answer larger than ${MAX_BODY} bytes`));
          else chunks.push(chunk);
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    outgoing.on("error", (err: Error & { code?: string }) => {
      // An AbortSignal.timeout surfaces as an AbortError; say what it was.
      if (err.name === "AbortError")
        reject(Object.assign(new Error(`no answer within ${req.timeoutMs} ms`), { code: "ETIMEDOUT" }));
      else reject(err);
    });
    outgoing.end(body);
  });
}

/** Why a request failed, for a message: the transport's code and message. */
export function transportReason(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = "code" in err && typeof err.code === "string" ? err.code : "";
  return code && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
}
