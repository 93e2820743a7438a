import { describe, expect, inject, it } from "vitest";
import { kubeHttp } from "./kube-http.js";
import { findSecrets, MIN_SECRET_LENGTH, secretValuesOf } from "./secret-scan.js";

const t = inject("testenv");

describe("the end-of-run Secret scan", () => {
  it("reads every Secret's values of MIN_SECRET_LENGTH characters or more, each named by its Secret and key", async () => {
    const ns = "testenv-secret-scan";
    await kubeHttp(t, "/api/v1/namespaces", { body: { metadata: { name: ns } } });
    await kubeHttp(t, `/api/v1/namespaces/${ns}/secrets`, {
      body: { metadata: { name: "s" }, stringData: { long: "scan-me-4711", short: "x".repeat(MIN_SECRET_LENGTH - 1) } },
    });
    const { values } = await secretValuesOf(t);
    expect(values.filter((v) => v.from.startsWith(`${ns}/`))).toEqual([
      { value: "scan-me-4711", from: `${ns}/s long` },
    ]);
  });

  it("finds a value as it is and base64-encoded, and names where and which Secret, never the value", () => {
    const values = [{ value: "scan-me-4711", from: "ns/s long" }];
    expect(findSecrets('{"msg":"password scan-me-4711"}', values, "a.log")).toEqual([
      { where: "a.log", secret: "ns/s long" },
    ]);
    expect(findSecrets(`data: ${Buffer.from("scan-me-4711").toString("base64")}`, values, "b.log")).toHaveLength(1);
    expect(findSecrets("scan-me-4712", values, "c.log")).toEqual([]);
  });
});
