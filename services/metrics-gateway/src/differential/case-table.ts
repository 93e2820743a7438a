// The shape of the differential suite's cases: each is a list of requests sent, in order, to
// kubedump's gateway and to Prometheus's Pushgateway. Adding a case is adding one row to a table.
import { gzipSync } from "node:zlib";

/** One request; `client` sends it through a client library instead (and returns the status it got). */
export interface Step {
  method: "PUT" | "POST" | "DELETE" | "GET" | "HEAD" | "OPTIONS";
  path: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Sends the request itself against `baseUrl`, e.g. with prom-client's Pushgateway; resolves to the status. */
  client?: (baseUrl: string) => Promise<number>;
  /**
   * Set only where kubedump deliberately answers otherwise: the heading in docs/metrics.md
   * ("Differences from Pushgateway") that says why, and each gateway's status. After such a step
   * the two states differ, so it must be the case's last step; its `kubedump` series (normalised
   * lines, see scrape-compare.ts) are asserted instead of comparing scrapes.
   */
  differs?: Difference;
}

export interface Difference {
  doc: string;
  kubedump: number;
  pushgateway: number;
  /** kubedump's pushed series after the step, as normalised lines. */
  kubedumpSeries: string[];
  /** Pushgateway's /metrics status after the step, when it can no longer serve it (500). */
  pushgatewayScrape?: number;
  /** Where each sends the client, when both redirect but not to the same place. */
  locations?: { kubedump: string; pushgateway: string };
}

export interface DiffCase {
  name: string;
  steps: Step[];
  /** Differing HELP across groups: each gateway serves one of them; compare everything else. */
  helpMayDiffer?: boolean;
}

export const TEXT = { "content-type": "text/plain; version=0.0.4" };
export const PROTOBUF_CONTENT_TYPE =
  "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

/** A PUT or POST of a text body with the text Content-Type. */
export const put = (path: string, body: string, headers: Record<string, string> = TEXT): Step => ({
  method: "PUT",
  path,
  body,
  headers,
});
export const post = (path: string, body: string, headers: Record<string, string> = TEXT): Step => ({
  method: "POST",
  path,
  body,
  headers,
});
export const del = (path: string): Step => ({ method: "DELETE", path });

/** base64url of a UTF-8 string, as a path segment after `@base64`. */
export const b64 = (value: string): string => Buffer.from(value, "utf8").toString("base64url");

/** A case of one step per body, all to the same path. */
export const oneGroup = (name: string, path: string, ...bodies: string[]): DiffCase => ({
  name,
  steps: bodies.map((body) => put(path, body)),
});

export const gzipped = (text: string): Uint8Array => gzipSync(Buffer.from(text));
/**
 * A text body of `bytes` bytes or a little more, in few series with long label values (promtool's
 * check, run after every case, takes minutes on tens of thousands of series).
 */
export const bigBody = (bytes: number): string => {
  const lines: string[] = [];
  const pad = "x".repeat(64 * 1024);
  for (let size = 0, i = 0; size < bytes; i++) {
    const line = `big_metric{i="${i}",pad="${pad.slice(0, Math.min(pad.length, bytes - size))}"} ${i}`;
    lines.push(line);
    size += line.length + 1;
  }
  return `${lines.join("\n")}\n`;
};
