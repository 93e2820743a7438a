import { ALL_QUEUES } from "@kubedump/queue";
import { createLogger } from "@kubedump/service";
import { freePort } from "@kubedump/testenv";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { describe, expect, inject, it } from "vitest";
import { newPrefix, RUN, samplesOf, scrape, send, seriesValue, startGateway } from "./test-support.js";

const env = inject("testenv");

describe("state in Redis", () => {
  it("records push_time_seconds, serves the same metrics from two instances, and survives a restart", async () => {
    const prefix = newPrefix();
    const a = await startGateway({ GATEWAY_KEY_PREFIX: prefix });
    const b = await startGateway({ GATEWAY_KEY_PREFIX: prefix });
    const before = Date.now() / 1000;
    expect((await send(a.url, "PUT", "/metrics/job/shared-state", "# TYPE kept gauge\nkept 42\n")).status).toBe(200);
    const labels = { instance: "", job: "shared-state" };
    const fromB = await scrape(b.url);
    expect(seriesValue(fromB, "kept", labels)).toBe(42);
    const pushed = seriesValue(fromB, "push_time_seconds", labels) ?? 0;
    expect(pushed).toBeGreaterThanOrEqual(before);
    expect(pushed).toBeLessThanOrEqual(Date.now() / 1000);

    await a.gw.close();
    await a.gw.close(); // safe twice
    await b.gw.close();
    const again = await startGateway({ GATEWAY_KEY_PREFIX: prefix });
    const after = await scrape(again.url);
    expect(seriesValue(after, "kept", labels)).toBe(42);
    expect(seriesValue(after, "push_time_seconds", labels)).toBe(pushed);
  });

  it("lets exactly one of two racing conflicting pushes through two instances win", async () => {
    const prefix = newPrefix();
    const a = await startGateway({ GATEWAY_KEY_PREFIX: prefix });
    const b = await startGateway({ GATEWAY_KEY_PREFIX: prefix });
    for (let round = 0; round < 20; round++) {
      const name = `race_${round}`;
      const results = await Promise.all([
        send(a.url, "PUT", `/metrics/job/left-${round}`, `# TYPE ${name} counter\n${name} 1\n`),
        send(b.url, "PUT", `/metrics/job/right-${round}`, `# TYPE ${name} gauge\n${name} 2\n`),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
      expect(samplesOf(await scrape(a.url), name)).toHaveLength(1);
    }
  });

  it("reports not ready, still serves /metrics, stays healthy and logs the outage once when Redis is unreachable", async () => {
    const lines: string[] = [];
    const log = createLogger("metrics-gateway", "info", { write: (line: string) => void lines.push(line) });
    const { url } = await startGateway(
      { REDIS_URL: `redis://127.0.0.1:${await freePort()}`, PUSH_TOKEN: "never-logged" },
      log,
    );
    expect((await fetch(`${url}/-/ready`)).status).toBe(503);
    expect((await fetch(`${url}/-/healthy`)).status).toBe(200);
    const started = Date.now();
    for (let i = 0; i < 3; i++) {
      const families = await scrape(url);
      expect(families.some((f) => f.name === "process_cpu_user_seconds_total")).toBe(true);
      expect(samplesOf(families, "kubedump_queue_jobs")).toEqual([]);
    }
    expect(Date.now() - started).toBeLessThan(15_000);
    const down = await send(url, "PUT", "/metrics/job/down", "x 1\n", { authorization: "Bearer never-logged" });
    expect(down.status).toBe(503);
    expect(lines.filter((l) => l.includes("Redis unavailable"))).toHaveLength(1);
    expect(lines.join("")).not.toContain("never-logged");
  });

  it("is ready when Redis answers", async () => {
    const { url } = await startGateway();
    await expect.poll(async () => (await fetch(`${url}/-/ready`)).status).toBe(200);
  });
});

describe("queue depth", () => {
  it("reflects jobs in BullMQ queues with the configured prefix", async () => {
    const prefix = `q-${RUN}-depth`;
    const connection = new Redis(env.redisUrl, { maxRetriesPerRequest: null });
    const backups = new Queue("kubedump-backups", { connection, prefix });
    const schedules = new Queue("kubedump-schedules", { connection, prefix });
    try {
      await backups.add("backup", { n: 1 });
      await backups.add("backup", { n: 2 });
      await backups.add("backup", { n: 3 }, { delay: 3_600_000 });
      await schedules.add("schedule", {});
      const { url } = await startGateway({ QUEUE_PREFIX: prefix });
      await expect
        .poll(async () =>
          seriesValue(await scrape(url), "kubedump_queue_jobs", { queue: "kubedump-backups", state: "waiting" }),
        )
        .toBe(2);
      const families = await scrape(url);
      const depth = (queue: string, state: string) => seriesValue(families, "kubedump_queue_jobs", { queue, state });
      expect(depth("kubedump-backups", "delayed")).toBe(1);
      expect(depth("kubedump-backups", "active")).toBe(0);
      expect(depth("kubedump-schedules", "waiting")).toBe(1);
      expect(depth("kubedump-ticks", "waiting")).toBe(0);
      expect(samplesOf(families, "kubedump_queue_jobs")).toHaveLength(ALL_QUEUES.length * 5); // every queue × 5 states
    } finally {
      await backups.obliterate({ force: true });
      await schedules.obliterate({ force: true });
      await backups.close();
      await schedules.close();
      await connection.quit();
    }
  });
});
