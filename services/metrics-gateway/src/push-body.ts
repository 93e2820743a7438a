import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { type MetricFamily, parseTextFormat, TextFormatError } from "@kubedump/metrics";
import { GatewayRequestError } from "./errors.js";

const PROTOBUF_MEDIA_TYPE = "application/vnd.google.protobuf";
const METRIC_FAMILY_PROTO = "io.prometheus.client.MetricFamily";
/** Keeps a byte order mark, which Go's parser does not skip either (it is no metric name). */
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * A push body, gunzipped under `Content-Encoding: gzip` (in any letter case) and otherwise read
 * as sent, as the Pushgateway does; 413 once it (after decompression) passes `limit` bytes.
 */
export async function readPushBody(req: Readable & { headers: Record<string, unknown> }, limit: number) {
  const encoding = String(req.headers["content-encoding"] ?? "").toLowerCase();
  if (encoding === "snappy") {
    throw new GatewayRequestError(415, "snappy Content-Encoding is not supported; send the body plain or gzipped");
  }
  const source = encoding === "gzip" ? req.pipe(createGunzip()) : req;
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of source) {
      size += (chunk as Buffer).length;
      if (size > limit) throw new GatewayRequestError(413, `request body exceeds the limit of ${limit} bytes`);
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    if (err instanceof GatewayRequestError) throw err;
    throw new GatewayRequestError(400, `could not read the request body: ${(err as Error).message}`, { cause: err });
  }
  return Buffer.concat(chunks);
}

export type PushFormat = "text" | "protobuf";

/**
 * The format of a push body by its Content-Type, as the Pushgateway decides: delimited protobuf
 * for exactly `application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily;
 * encoding=delimited`; the text format for anything else, a missing or malformed header too.
 */
export function pushFormat(contentType: string | undefined): PushFormat {
  const media = parseMediaType(contentType ?? "");
  const protobuf =
    media?.type === PROTOBUF_MEDIA_TYPE &&
    media.params.get("proto") === METRIC_FAMILY_PROTO &&
    media.params.get("encoding") === "delimited";
  return protobuf ? "protobuf" : "text";
}

/** The metric families of a push body; 400 when it does not parse. */
export function parsePushBody(contentType: string | undefined, body: Buffer): MetricFamily[] {
  if (pushFormat(contentType) === "protobuf") {
    throw new GatewayRequestError(
      415,
      "protocol buffer pushes are not supported; push the text format (version 0.0.4)",
    );
  }
  let text: string;
  try {
    text = utf8.decode(body);
  } catch (err) {
    throw new GatewayRequestError(400, "text format parsing error: the body is not UTF-8", { cause: err });
  }
  try {
    return parseTextFormat(text, { pushgateway: true });
  } catch (err) {
    if (err instanceof TextFormatError)
      throw new GatewayRequestError(400, `text format parsing error in ${err.message}`, { cause: err });
    throw err;
  }
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** RFC 2045 `type/subtype; name=value…` with names lower-cased; undefined when malformed, as Go's mime package judges. */
function parseMediaType(header: string): { type: string; params: Map<string, string> } | undefined {
  const [head = "", ...rest] = header.split(";");
  const type = head.trim().toLowerCase();
  const [major = "", minor = "", extra] = type.split("/");
  if (!TOKEN.test(major) || !TOKEN.test(minor) || extra !== undefined) return undefined;
  const params = new Map<string, string>();
  for (const raw of rest) {
    if (raw.trim() === "") continue;
    const match = /^\s*([^=\s]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s"]+)\s*$/.exec(raw);
    const name = match?.[1]?.toLowerCase();
    if (!match || name === undefined || !TOKEN.test(name) || params.has(name)) return undefined;
    const value = match[2] ?? "";
    params.set(name, value.startsWith('"') ? value.slice(1, -1).replace(/\\(.)/g, "$1") : value);
  }
  return { type, params };
}
