import { BackendConfigError } from "@kubedump/repository";
import { thrownBy } from "@kubedump/testenv";
import { describe, expect, it } from "vitest";
import { backendFromRepo, openRepoFromUrl, parseS3Url } from "./repo-url.js";
import { UsageError } from "./target.js";

describe("--repo", () => {
  it.each([
    ["s3://backups", { endpoint: "https://s3.amazonaws.com", bucket: "backups" }],
    [
      "s3://backups/cluster-a/prod/?endpoint=http://127.0.0.1:9000&region=eu-west-1&insecureTLS=true&pathStyle=false",
      {
        endpoint: "http://127.0.0.1:9000",
        bucket: "backups",
        region: "eu-west-1",
        prefix: "cluster-a/prod",
        insecureTLS: true,
        pathStyle: false,
      },
    ],
    [
      "s3://backups/p?endpoint=minio.storage.svc%3A9000",
      { endpoint: "minio.storage.svc:9000", bucket: "backups", prefix: "p" },
    ],
  ])("parses %s", (url, expected) => {
    const parsed = parseS3Url(url);
    expect(Object.fromEntries(Object.entries(parsed).filter(([, v]) => v !== undefined))).toEqual(expected);
  });

  it("treats anything without a scheme as a local directory", () => {
    expect(backendFromRepo("./backups")).toEqual({ local: { path: `${process.cwd()}/backups` } });
  });

  it.each([
    ["s3://key:secret-value@backups/p", /no credentials in the URL/],
    ["s3://Not_A_Bucket/p", /is not a valid bucket name/],
    ["s3://backups/p?insecureTLS=yes", /insecureTLS must be true or false/],
    ["s3://backups/p?endpoint=x&secret=1", /unknown parameter secret/],
    ["gs://backups/p", /unsupported scheme "gs"/],
  ])("refuses %s without echoing it", (url, message) => {
    const error = thrownBy(() => backendFromRepo(url));
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain("secret-value");
  });

  it("needs both S3 credentials in the environment, naming the missing ones", async () => {
    await expect(
      openRepoFromUrl("s3://backups/p?endpoint=http://127.0.0.1:1", { AWS_ACCESS_KEY_ID: "a" }),
    ).rejects.toThrow("--repo s3://…: set AWS_SECRET_ACCESS_KEY in the environment");
  });

  it("passes a bad CA_CERT_DATA on as a configuration error", async () => {
    const env = { AWS_ACCESS_KEY_ID: "a", AWS_SECRET_ACCESS_KEY: "b", CA_CERT_DATA: "not a certificate" };
    await expect(openRepoFromUrl("s3://backups/p?endpoint=http://127.0.0.1:1", env)).rejects.toBeInstanceOf(
      BackendConfigError,
    );
  });
});
