import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { type MetricFamily, parseTextFormat, TextFormatError } from "@kubedump/metrics";
import { ProtobufFormatError, parseDelimitedProtobuf } from "@kubedump/metrics/protobuf";
import { GatewayRequestError } from "./errors.js";

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

/** The families of a push body: delimited protobuf, or text format 0.0.4 for any other Content-Type; 400 when it does not parse. */
export function parsePushBody(contentType: string | undefined, body: Buffer): MetricFamily[] {
  if (isDelimitedProtobuf(contentType)) {
    try {
      return parseDelimitedProtobuf(body);
    } catch (err) {
      if (err instanceof ProtobufFormatError)
        throw new GatewayRequestError(400, `protocol buffer parsing error: ${err.message}`, { cause: err });
      throw err;
    }
  }
  let text: string;
  try {
    text = utf8.decode(body);
  } catch (err) {
    throw new GatewayRequestError(400, "text format parsing error: the body is not UTF-8", { cause: err });
  }
  try {
    // Go's text parser drops a family without samples (a lone `# TYPE`), so a text push never
    // names one: only a protobuf family without metrics removes a family on POST (push-check.ts).
    return parseTextFormat(text, { pushgateway: true }).filter((f) => f.samples.length > 0);
  } catch (err) {
    if (err instanceof TextFormatError)
      throw new GatewayRequestError(400, `text format parsing error in ${err.message}`, { cause: err });
    throw err;
  }
}

/** Printable ASCII but for the separators `()<>@,;:\"/[]?=`: a token character of RFC 2045, as Go's mime reads it. */
const TOKEN = /^[!#-'*+\-.0-9A-Z^-~]+$/;
const PARAM = /^;\s*([!#-'*+\-.0-9A-Z^-~]+)\s*=\s*("(?:[^"\\]|\\.)*"|[!#-'*+\-.0-9A-Z^-~]+)\s*/;

/**
 * A Content-Type read as Go's `mime.ParseMediaType` reads it: the media type and parameter names
 * lower-cased, values as written (quotes removed); undefined when it does not parse (a parameter
 * twice with different values, a stray character), which makes the Pushgateway fall back to the text format.
 */
export function parseMediaType(header: string): { type: string; params: Record<string, string> } | undefined {
  const semicolon = header.indexOf(";");
  const type = (semicolon < 0 ? header : header.slice(0, semicolon)).trim().toLowerCase();
  const [major = "", minor, extra] = type.split("/");
  if (!TOKEN.test(major) || (minor !== undefined && !TOKEN.test(minor)) || extra !== undefined) return undefined;
  const params: Record<string, string> = {};
  let rest = semicolon < 0 ? "" : header.slice(semicolon).trimStart();
  while (rest !== "") {
    const match = PARAM.exec(rest);
    if (!match) return rest.trim() === ";" ? { type, params } : undefined; // a trailing ";" is ignored
    const [all, rawName = "", rawValue = ""] = match;
    const name = rawName.toLowerCase();
    const value = rawValue.startsWith('"') ? rawValue.slice(1, -1).replace(/\\(.)/g, "$1") : rawValue;
    if (Object.hasOwn(params, name) && params[name] !== value) return undefined; // the same value twice is fine
    params[name] = value;
    rest = rest.slice(all.length).trimStart();
  }
  return { type, params };
}

/** Pushgateway's rule: this exact media type and both parameters, or else the body is read as text. */
export function isDelimitedProtobuf(contentType: string | undefined): boolean {
  const media = parseMediaType(contentType ?? "");
  return (
    media?.type === "application/vnd.google.protobuf" &&
    media.params.encoding === "delimited" &&
    media.params.proto === "io.prometheus.client.MetricFamily"
  );
}
