import { QUEUE_JOBS_METRIC } from "@kubedump/metrics";
import { ALL_QUEUES, createQueue, type Queue } from "@kubedump/queue";
import type { Redis } from "ioredis";
import { Gauge, type Registry } from "prom-client";
import type { OutageLog } from "./outage-log.js";
import { withTimeout } from "./timeout.js";

/** The queues of DESIGN.md's Queues table. */
export const QUEUE_NAMES = ALL_QUEUES;
export const QUEUE_STATES = ["waiting", "active", "delayed", "failed", "completed"] as const;
const READ_TIMEOUT_MS = 2_000;

export interface QueueDepthDeps {
  /** A connection with `maxRetriesPerRequest: null`, as BullMQ requires. */
  connection: Redis;
  /** BullMQ key prefix the other services use. */
  prefix: string;
  registry: Registry;
  outage: OutageLog;
}

export interface QueueDepth {
  close(): Promise<void>;
}

/**
 * Registers `kubedump_queue_jobs{queue, state}`, read from BullMQ at every scrape. While Redis
 * is not connected the gauge has no samples (no stale counts); the queues are opened on the
 * first scrape that finds Redis connected.
 */
export function registerQueueDepth(deps: QueueDepthDeps): QueueDepth {
  let queues: Queue[] | undefined;
  const open = (): Queue[] =>
    QUEUE_NAMES.map((name) => {
      const queue = createQueue(name, { connection: deps.connection, prefix: deps.prefix });
      queue.on("error", (err) => deps.outage.fail(err));
      return queue;
    });
  new Gauge({
    name: QUEUE_JOBS_METRIC,
    help: "Jobs in each kubedump queue, by state.",
    labelNames: ["queue", "state"],
    registers: [deps.registry],
    async collect() {
      this.reset();
      if (deps.connection.status !== "ready") return;
      queues ??= open();
      try {
        const counts = await withTimeout(
          Promise.all(queues.map((q) => q.getJobCounts(...QUEUE_STATES))),
          READ_TIMEOUT_MS,
          "reading queue depths",
        );
        counts.forEach((byState, i) => {
          for (const state of QUEUE_STATES) this.set({ queue: QUEUE_NAMES[i], state }, byState[state] ?? 0);
        });
      } catch (err) {
        deps.outage.fail(err);
      }
    },
  });
  return {
    close: async () => {
      const opened = queues ?? [];
      queues = [];
      await Promise.all(opened.map((q) => q.close()));
    },
  };
}
