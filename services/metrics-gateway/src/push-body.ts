import { type MetricFamily, parseTextFormat, TextFormatError } from "@kubedump/metrics";
import { ProtobufFormatError, parseDelimitedProtobuf } from "@kubedump/metrics/protobuf";
import { GatewayRequestError } from "./errors.js";

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

/** The families of a push body (raw bytes): delimited protobuf or text format 0.0.4; 400 when it does not parse. */
export function parsePushBody(contentType: string | undefined, body: unknown): MetricFamily[] {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.alloc(0);
  try {
    if (isDelimitedProtobuf(contentType)) return parseDelimitedProtobuf(bytes);
    return parseTextFormat(bytes.toString("utf8"));
  } catch (err) {
    if (err instanceof TextFormatError)
      throw new GatewayRequestError(400, `text format parsing error in ${err.message}`, { cause: err });
    if (err instanceof ProtobufFormatError)
      throw new GatewayRequestError(400, `protocol buffer parsing error: ${err.message}`, { cause: err });
    throw err;
  }
}
