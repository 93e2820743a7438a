import { createHash } from "node:crypto";
import type { Client } from "minio";

/** How putBody guards a body. */
export interface PutBodyOptions {
  /** The body's sha256 (hex) when the caller has it, e.g. a pack's id: it is not computed again. */
  sha256?: string;
  /** A Content-MD5 even where the payload is signed: S3 wants one on a PUT that sets an Object Lock. */
  md5?: boolean;
}

/**
 * One PUT of a whole object held in memory: its bytes sent as they are, with the headers as given
 * (If-None-Match, Object Lock). The minio client's putObject copies a Buffer through a stream into
 * a new one, hashes it with both MD5 and sha256, and turns unknown headers into user metadata
 * (docs/decisions.md, "Packs put as they are"). Over plain HTTP the request is signed with the
 * payload's sha256, the caller's when given (a wrong one fails the PUT: S3 checks it); over HTTPS
 * the payload is unsigned and a Content-MD5 guards it.
 */
export async function putBody(
  client: Client,
  bucket: string,
  name: string,
  body: Buffer,
  headers: Record<string, string>,
  options: PutBodyOptions = {},
): Promise<void> {
  const signed = client.enableSHA256;
  const sent: Record<string, string> = { ...headers, "Content-Length": String(body.length) };
  if (!signed || options.md5) sent["Content-MD5"] = createHash("md5").update(body).digest("base64");
  const sha256 = signed ? (options.sha256 ?? createHash("sha256").update(body).digest("hex")) : "";
  const request = { method: "PUT", bucketName: bucket, objectName: name, headers: sent };
  const response = await client.makeRequestStreamAsync(request, body, sha256, [200], "");
  response.resume();
}
