import { isValidLabelName, type Labels } from "@kubedump/metrics";
import { GatewayRequestError } from "./errors.js";

const BASE64_SUFFIX = "@base64";
const utf8 = new TextDecoder("utf-8", { fatal: true });

const badPath = (message: string): GatewayRequestError => new GatewayRequestError(400, message);

/** The parts of a push path, as the Pushgateway's router hands them to its handlers. */
export interface PushPathParams {
  /** The path said `job@base64`. */
  jobBase64: boolean;
  /** The segment after `/metrics/job/`, percent-decoded. */
  job: string;
  /** The rest of the path after the job, from its `/` on ("" when there is none). */
  labels: string;
}

/**
 * The grouping labels of a push path, as the Pushgateway v1.11.3 reads them: `job@base64` and
 * `<label>@base64` mark base64url values (padding optional, `=` alone for an empty value); a
 * repeated label takes its last value; a `job` among the labels gives way to the job segment.
 * Unlike the Pushgateway, a label with an empty value is left out: Prometheus reads an empty
 * label as no label, so `{job="x",instance=""}` and `{job="x"}` name one group (docs/metrics.md).
 */
export function parseGroupingPath({ jobBase64, job: rawJob, labels: rest }: PushPathParams): Labels {
  const job = jobBase64 ? decodeBase64(rawJob, "job") : rawJob;
  const labels = splitLabels(rest);
  if (job === "") throw badPath("job name is required");
  labels.job = job;
  for (const name of Object.keys(labels)) if (labels[name] === "") delete labels[name];
  return labels;
}

/** `/<name>/<value>…` into labels; a lone `/` (or nothing) names none. */
function splitLabels(rest: string): Labels {
  const labels: Labels = {};
  if (rest.length <= 1) return labels;
  const components = rest.slice(1).split("/");
  if (components.length % 2 !== 0) throw badPath(`odd number of components in label string "${rest}"`);
  for (let i = 0; i < components.length; i += 2) {
    const rawName = components[i] ?? "";
    const value = components[i + 1] ?? "";
    const base64 = rawName.endsWith(BASE64_SUFFIX);
    const name = base64 ? rawName.slice(0, -BASE64_SUFFIX.length) : rawName;
    if (!isValidLabelName(name)) throw badPath(`improper label name "${name}"`);
    labels[name] = base64 ? decodeBase64(value, name) : value;
  }
  return labels;
}

/**
 * RFC 4648 base64url, padding ignored. The decoded bytes must be UTF-8, which the Pushgateway
 * does not check (it then fails every scrape; see docs/metrics.md).
 */
function decodeBase64(segment: string, label: string): string {
  const data = segment.replace(/=+$/, "");
  if (!/^[A-Za-z0-9_-]*$/.test(data) || data.length % 4 === 1) {
    throw badPath(`invalid base64 encoding for label ${label}="${segment}"`);
  }
  try {
    return utf8.decode(Buffer.from(data, "base64url"));
  } catch (err) {
    throw new GatewayRequestError(400, `label ${label}="${segment}" does not decode to UTF-8`, { cause: err });
  }
}
