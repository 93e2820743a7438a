import { afterAll, describe, expect, inject, it } from "vitest";
import { createRedis } from "./connection.js";
import { InvalidSpecError } from "./errors.js";
import { QUEUES } from "./names.js";
import type { BackupJob } from "./payloads.js";
import { createQueue, createWorker } from "./queues.js";

const env = inject("testenv");
const redis = createRedis(env.redisUrl);
const closers: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const close of closers.reverse()) await close();
  redis.disconnect();
});

/** A queue and a worker of kubedump-backups under their own prefix; `process` decides each attempt. */
function backups(prefix: string, process: (job: BackupJob, attempt: number) => string) {
  const deps = { connection: redis, prefix };
  const queue = createQueue<BackupJob>(QUEUES.backups, deps, { attempts: 3, backoff: { type: "fixed", delay: 10 } });
  const worker = createWorker<BackupJob, string>(
    QUEUES.backups,
    async (job) => process(job.data, job.attemptsMade + 1),
    deps,
  );
  closers.push(
    () => worker.close(),
    () => queue.close(),
  );
  return { queue, worker };
}

const job: BackupJob = { namespace: "demo", name: "nightly-1764122400", uid: "0b5d" };

describe("createQueue and createWorker", () => {
  it("deliver a job under the given prefix, its data unchanged", async () => {
    const { queue, worker } = backups("queuetest-a", (data) => `${data.namespace}/${data.name}`);
    const done = new Promise<string>((resolve) => worker.on("completed", (_job, result) => resolve(result)));
    await queue.add("backup", job, { jobId: job.uid });
    expect(await done).toBe("demo/nightly-1764122400");
    expect(await redis.exists(`queuetest-a:${QUEUES.backups}:${job.uid}`)).toBe(1);
    expect(await redis.exists(`kubedump:${QUEUES.backups}:${job.uid}`)).toBe(0);
  });

  it.each([
    ["a plain error is retried with backoff until an attempt succeeds", "queuetest-b", Error, 3, "completed"],
    ["an InvalidSpecError ends the job at once", "queuetest-c", InvalidSpecError, 1, "failed"],
  ] as const)("%s", async (_name, prefix, ErrorType, attempts, state) => {
    const seen: number[] = [];
    const { queue, worker } = backups(prefix, (_data, attempt) => {
      seen.push(attempt);
      if (attempt < 3) throw new ErrorType(`attempt ${attempt}: BackupConfiguration demo/nightly is invalid`);
      return "done";
    });
    const settled = new Promise<void>((resolve) => {
      worker.on("completed", () => resolve());
      worker.on("failed", (j) => {
        if (j?.finishedOn) resolve(); // set once no retry is left
      });
    });
    const added = await queue.add("backup", job, { jobId: job.uid });
    await settled;
    expect(seen).toEqual([1, 2, 3].slice(0, attempts));
    expect(await (await queue.getJob(added.id!))?.getState()).toBe(state);
  });
});
