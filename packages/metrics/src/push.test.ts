import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  type BackupMetricValues,
  backupJobKey,
  MetricsPushError,
  parseTextFormat,
  pushBackupMetrics,
  pushRepositoryIntegrity,
} from "./index.js";

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

/** A stand-in gateway that records each request and answers with `status` (or the next of `statuses`). */
let server: Server;
let gatewayUrl: string;
let received: Received[] = [];
let status = 200;
let statuses: number[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      body += chunk;
    });
    req.on("end", () => {
      received.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      res.statusCode = statuses.shift() ?? status;
      res.end(res.statusCode >= 400 ? "text format parsing error in line 1" : "");
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  gatewayUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((done) => server.close(() => done())));
beforeEach(() => {
  received = [];
  status = 200;
  statuses = [];
});

const labels = { invokerKind: "BackupConfiguration", invokerName: "nightly", namespace: "demo", repository: "s3-repo" };
const job = backupJobKey({ kind: "BackupConfiguration", namespace: "demo", name: "nightly" });
const success: BackupMetricValues = {
  sessionSuccess: true,
  sessionDurationSeconds: 12.5,
  lastSuccessTimeSeconds: 1764122412,
  objectsTotal: 420,
  dataSizeBytes: 1048576,
  dataUploadedBytes: 65536,
  repositorySnapshotCount: 5,
  repositorySizeBytes: 5242880,
  repositorySnapshotCleaned: 1,
  repositoryIntegrity: true,
};
const exposedLabels = {
  invoker_kind: "BackupConfiguration",
  invoker_name: "nightly",
  namespace: "demo",
  repository: "s3-repo",
};

/** metric name → value, from the text the gateway received. */
function values(body: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const family of parseTextFormat(body)) {
    for (const s of family.samples) {
      expect(s.labels).toEqual(exposedLabels);
      out[s.name] = s.value;
    }
  }
  return out;
}

describe("pushBackupMetrics", () => {
  it("PUTs every value of a successful session to /metrics/job/<kind>-<namespace>-<name>", async () => {
    await pushBackupMetrics({ gatewayUrl, token: "s3cret", job, labels, values: success });
    expect(received).toHaveLength(1);
    const [req] = received;
    expect(req?.method).toBe("PUT");
    expect(req?.url).toBe("/metrics/job/BackupConfiguration-demo-nightly");
    expect(req?.headers.authorization).toBe("Bearer s3cret");
    expect(req?.headers["content-type"]).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(values(req?.body ?? "")).toEqual({
      kubedump_backup_session_success: 1,
      kubedump_backup_session_duration_seconds: 12.5,
      kubedump_backup_last_success_time_seconds: 1764122412,
      kubedump_backup_objects_total: 420,
      kubedump_backup_data_size_bytes: 1048576,
      kubedump_backup_data_uploaded_bytes: 65536,
      kubedump_repository_snapshot_count: 5,
      kubedump_repository_size_bytes: 5242880,
      kubedump_repository_snapshot_cleaned: 1,
      kubedump_repository_integrity: 1,
    });
    expect(parseTextFormat(req?.body ?? "").every((f) => f.type === "gauge" && (f.help ?? "") !== "")).toBe(true);
  });

  it("POSTs only *_success = 0 for a failed session, whatever else it is given, to the same group", async () => {
    await pushBackupMetrics({ gatewayUrl, job, labels, values: { ...success, sessionSuccess: false } });
    // POST replaces only the families sent: the gauges of the last success stay on the gateway.
    expect(received[0]?.method).toBe("POST");
    expect(received[0]?.url).toBe("/metrics/job/BackupConfiguration-demo-nightly");
    expect(received[0]?.headers.authorization).toBeUndefined();
    expect(values(received[0]?.body ?? "")).toEqual({ kubedump_backup_session_success: 0 });
  });

  it("leaves out values it is not given", async () => {
    await pushBackupMetrics({ gatewayUrl, job, labels, values: { sessionSuccess: true, objectsTotal: 7 } });
    expect(values(received[0]?.body ?? "")).toEqual({
      kubedump_backup_session_success: 1,
      kubedump_backup_objects_total: 7,
    });
  });

  it("also emits Stash's names when asked", async () => {
    await pushBackupMetrics({ gatewayUrl, job, labels, values: { sessionSuccess: false }, stashNames: true });
    expect(values(received[0]?.body ?? "")).toEqual({
      kubedump_backup_session_success: 0,
      stash_backup_session_success: 0,
      stash_backup_target_success: 0,
      stash_backup_host_backup_success: 0,
    });
    await pushBackupMetrics({ gatewayUrl, job, labels, values: success, stashNames: true });
    const pushed = values(received[1]?.body ?? "");
    expect(pushed.stash_backup_host_files_total).toBe(420);
    expect(pushed.stash_repository_integrity).toBe(1);
    expect(Object.keys(pushed)).toHaveLength(10 + 12);
  });

  it("keeps a path prefix of the gateway URL and base64-encodes a job holding a slash", async () => {
    await pushBackupMetrics({ gatewayUrl: `${gatewayUrl}/gw/`, job: "a/b", labels, values: { sessionSuccess: true } });
    expect(received[0]?.url).toBe(`/gw/metrics/job@base64/${Buffer.from("a/b").toString("base64url")}`);
  });

  it("throws MetricsPushError with the status and the gateway's reason when refused", async () => {
    status = 400;
    const err = await pushBackupMetrics({ gatewayUrl, job, labels, values: success }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MetricsPushError);
    expect((err as MetricsPushError).status).toBe(400);
    expect((err as MetricsPushError).message).toContain("text format parsing error in line 1");
  });

  it("throws MetricsPushError with the cause when the gateway cannot be reached", async () => {
    const err = await pushBackupMetrics({ gatewayUrl: "http://127.0.0.1:1", job, labels, values: success }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(MetricsPushError);
    expect((err as MetricsPushError).name).toBe("MetricsPushError");
    expect((err as MetricsPushError).status).toBeUndefined();
    expect((err as MetricsPushError).cause).toBeInstanceOf(Error);
  });
});

describe("pushRepositoryIntegrity", () => {
  const repository = { invokerKind: "Repository", invokerName: "s3-repo", namespace: "demo", repository: "s3-repo" };

  it.each([
    [true, false, { kubedump_repository_integrity: 1 }],
    [false, true, { kubedump_repository_integrity: 0, stash_repository_integrity: 0 }],
  ])("PUTs integrity %s alone to the Repository's own group (Stash names: %s)", async (integrity, stash, pushed) => {
    const repoJob = backupJobKey({ kind: "Repository", namespace: "demo", name: "s3-repo" });
    await pushRepositoryIntegrity({ gatewayUrl, job: repoJob, labels: repository, integrity, stashNames: stash });
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ method: "PUT", url: "/metrics/job/Repository-demo-s3-repo" });
    const samples = parseTextFormat(received[0]?.body ?? "").flatMap((f) => f.samples);
    expect(Object.fromEntries(samples.map((s) => [s.name, s.value]))).toEqual(pushed);
    for (const s of samples)
      expect(s.labels).toEqual({ ...exposedLabels, invoker_kind: "Repository", invoker_name: "s3-repo" });
  });
});

describe("pushBackupMetrics with retryForMs", () => {
  it("tries again while the gateway answers 503 (its Redis down), 1 s then 2 s apart, until it takes the push", async () => {
    statuses = [503, 503];
    const started = Date.now();
    await pushBackupMetrics({ gatewayUrl, job, labels, values: success, retryForMs: 10_000 });
    expect(received.map((r) => r.method)).toEqual(["PUT", "PUT", "PUT"]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
    expect(received[2]?.body).toBe(received[0]?.body);
  });

  it("gives up with the last refusal once retryForMs has passed, and never retries a 400", async () => {
    status = 503;
    const err = await pushBackupMetrics({ gatewayUrl, job, labels, values: success, retryForMs: 1500 }).catch(
      (e: unknown) => e,
    );
    expect((err as MetricsPushError).status).toBe(503);
    expect(received).toHaveLength(2);
    received = [];
    status = 400;
    const refused = await pushBackupMetrics({ gatewayUrl, job, labels, values: success, retryForMs: 10_000 }).catch(
      (e: unknown) => e,
    );
    expect((refused as MetricsPushError).status).toBe(400);
    expect(received).toHaveLength(1);
  });
});
