import { describe, expect, it } from "vitest";
import { GatewayRequestError } from "./errors.js";
import { parseGroupingPath } from "./grouping-path.js";

const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64url");

describe("parseGroupingPath", () => {
  it.each<[string, Record<string, string>]>([
    ["/metrics/job/j", { job: "j" }],
    ["/metrics/job/j/", { job: "j" }],
    ["/metrics/job/j/instance/host-1/zone/eu", { job: "j", instance: "host-1", zone: "eu" }],
    ["/metrics/job/j/x/", { job: "j", x: "" }],
    ["/metrics/job/a%2Fb/p/%C3%A4%20%3D", { job: "a/b", p: "ä =" }],
    [`/metrics/job@base64/${b64("a/b")}`, { job: "a/b" }],
    [`/metrics/job%40base64/${b64("x")}`, { job: "x" }],
    [`/metrics/job/j/path@base64/${b64("/var/tmp")}=`, { job: "j", path: "/var/tmp" }],
    [`/metrics/job/j/path%40base64/${b64("é")}`, { job: "j", path: "é" }],
    ["/metrics/job/j/empty@base64/=", { job: "j", empty: "" }],
  ])("%s", (path, labels) => {
    expect(parseGroupingPath(path)).toEqual(labels);
  });

  it.each([
    ["/metrics/job/", /job name is required/],
    ["/metrics/job@base64/=", /job name is required/],
    ["/metrics/job/j/a", /odd number of components/],
    ["/metrics/job/j/a/1/", /odd number of components/],
    ["/metrics/job/j/1a/x", /improper label name "1a"/],
    ["/metrics/job/j/__x/x", /improper label name "__x"/],
    ["/metrics/job/j/job/other", /label "job" appears twice/],
    ["/metrics/job/j/a/%E0%A4%A", /invalid percent-encoding/],
    ["/metrics/job@base64/a+b/", /invalid base64 encoding for label job/],
    ["/metrics/job@base64/A", /invalid base64 encoding for label job/],
    [`/metrics/job/j/v@base64/${Buffer.from([0xff, 0xfe]).toString("base64url")}`, /does not decode to UTF-8/],
  ])("refuses %s", (path, message) => {
    let caught: unknown;
    try {
      parseGroupingPath(path);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(GatewayRequestError);
    expect((caught as GatewayRequestError).status).toBe(400);
    expect((caught as GatewayRequestError).message).toMatch(message);
  });
});
