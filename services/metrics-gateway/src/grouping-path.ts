import { isValidLabelName, type Labels } from "@kubedump/metrics";
import { GatewayRequestError } from "./errors.js";

const BASE64_SUFFIX = "@base64";
const PREFIX = /^\/metrics\/job(@base64|%40base64)?\/(.*)$/s;
const utf8 = new TextDecoder("utf-8", { fatal: true });

const badPath = (message: string): GatewayRequestError => new GatewayRequestError(400, message);

/**
 * The grouping labels of a push path, as the Pushgateway reads them:
 * `/metrics/job/<job>{/<label>/<value>}`, where `job@base64` or `<label>@base64` mark the value
 * that follows as base64url (padding optional; `=` alone stands for the empty value).
 * `rawPath` is the path as received, still percent-encoded.
 */
export function parseGroupingPath(rawPath: string): Labels {
  const match = PREFIX.exec(rawPath);
  if (!match) throw badPath(`not a push path: ${rawPath}`);
  const [jobSegment = "", ...rest] = (match[2] ?? "").split("/");
  const job = match[1] ? decodeBase64(jobSegment, "job") : decodeSegment(jobSegment);
  if (job === "") throw badPath("job name is required");
  const labels: Labels = { job };
  // A trailing slash after the job names no labels, as in the Pushgateway.
  const components = rest.length === 1 && rest[0] === "" ? [] : rest;
  if (components.length % 2 !== 0) throw badPath(`odd number of components in the label part of ${rawPath}`);
  for (let i = 0; i < components.length; i += 2) {
    const rawName = decodeSegment(components[i] ?? "");
    const value = components[i + 1] ?? "";
    const base64 = rawName.endsWith(BASE64_SUFFIX);
    const name = base64 ? rawName.slice(0, -BASE64_SUFFIX.length) : rawName;
    if (!isValidLabelName(name)) throw badPath(`improper label name "${name}"`);
    if (Object.hasOwn(labels, name)) throw badPath(`label "${name}" appears twice in the grouping key`);
    labels[name] = base64 ? decodeBase64(value, name) : decodeSegment(value);
  }
  return labels;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch (err) {
    throw new GatewayRequestError(400, `invalid percent-encoding in "${segment}"`, { cause: err });
  }
}

/** RFC 4648 base64url, padding ignored; the decoded bytes must be UTF-8. */
function decodeBase64(segment: string, label: string): string {
  const data = decodeSegment(segment).replace(/=+$/, "");
  if (!/^[A-Za-z0-9_-]*$/.test(data) || data.length % 4 === 1) {
    throw badPath(`invalid base64 encoding for label ${label}="${segment}"`);
  }
  try {
    return utf8.decode(Buffer.from(data, "base64url"));
  } catch (err) {
    throw new GatewayRequestError(400, `label ${label}="${segment}" does not decode to UTF-8`, { cause: err });
  }
}
