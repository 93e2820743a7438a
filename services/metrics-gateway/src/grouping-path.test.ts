import { describe, expect, it } from "vitest";
import { GatewayRequestError } from "./errors.js";
import { parseGroupingPath } from "./grouping-path.js";
import { routePushPath } from "./push-route.js";

const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64url");

/** A raw path's grouping labels, through the router as a PUT takes it. */
function labelsOf(rawPath: string) {
  const route = routePushPath(decodeURIComponent(rawPath), "PUT");
  if (route.kind !== "push") return route;
  return parseGroupingPath(route.params);
}

describe("parseGroupingPath", () => {
  it.each<[string, Record<string, string>]>([
    ["/metrics/job/j", { job: "j" }],
    ["/metrics/job/j/", { job: "j" }],
    ["/metrics/job/j/instance/host-1/zone/eu", { job: "j", instance: "host-1", zone: "eu" }],
    ["/metrics/job/j/x/", { job: "j" }],
    ["/metrics/job/j/instance@base64/=", { job: "j" }],
    ["/metrics/job/j/zone/eu/zone/us", { job: "j", zone: "us" }],
    ["/metrics/job/j/job/other", { job: "j" }],
    ["/metrics/job/j%2Fzone/eu", { job: "j", zone: "eu" }],
    ["/metrics/job/a%20b/p/%C3%A4%20%3D", { job: "a b", p: "ä =" }],
    [`/metrics/job@base64/${b64("a/b")}`, { job: "a/b" }],
    [`/metrics/job%40base64/${b64("x")}`, { job: "x" }],
    [`/metrics/job/j/path@base64/${b64("/var/tmp")}=`, { job: "j", path: "/var/tmp" }],
    [`/metrics/job/j/path%40base64/${b64("é")}`, { job: "j", path: "é" }],
    ["/metrics/job/j/empty@base64/=/second/foobar", { job: "j", second: "foobar" }],
  ])("%s", (path, labels) => {
    expect(labelsOf(path)).toEqual(labels);
  });

  it.each([
    ["/metrics/job@base64/=", /job name is required/],
    ["/metrics/job/j/a", /odd number of components in label string "\/a"/],
    ["/metrics/job/j/a/1/", /odd number of components/],
    ["/metrics/job/a%2Fb", /odd number of components in label string "\/b"/],
    ["/metrics/job/j/1a/x", /improper label name "1a"/],
    ["/metrics/job/j/__x/x", /improper label name "__x"/],
    ["/metrics/job/j//b", /improper label name ""/],
    ["/metrics/job@base64/a+b/", /invalid base64 encoding for label job/],
    ["/metrics/job@base64/A", /invalid base64 encoding for label job/],
    [`/metrics/job/j/v@base64/${Buffer.from([0xff, 0xfe]).toString("base64url")}`, /does not decode to UTF-8/],
  ])("refuses %s", (path, message) => {
    let caught: unknown;
    try {
      labelsOf(path);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(GatewayRequestError);
    expect((caught as GatewayRequestError).status).toBe(400);
    expect((caught as GatewayRequestError).message).toMatch(message);
  });
});

describe("routePushPath", () => {
  it.each([
    ["/metrics/job/", "PUT", { kind: "redirect", location: "/metrics/job" }],
    ["/metrics/job/", "GET", { kind: "none" }],
    ["/metrics/job@base64/", "PUT", { kind: "none" }],
    ["/metrics/job", "POST", { kind: "none" }],
    ["/metrics/job//j", "DELETE", { kind: "redirect", location: "/metrics/job/j" }],
    ["/METRICS/Job/J/Zone/ü", "PUT", { kind: "redirect", location: "/metrics/job/J/Zone/%C3%BC" }],
    ["/Metrics/JOB@BASE64/YQ", "POST", { kind: "redirect", location: "/metrics/job@base64/YQ" }],
    ["/metrics/other/j", "PUT", { kind: "none" }],
  ])("%s by %s", (path, method, route) => {
    expect(routePushPath(path, method)).toEqual(route);
  });
});
