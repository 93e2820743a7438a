import { type ConnectionOptions, type JobsOptions, Queue, type Processor, Worker, type WorkerOptions } from "bullmq";
import { DEFAULT_QUEUE_PREFIX, type QueueName } from "./names.js";

export interface QueueDeps {
  connection: ConnectionOptions;
  prefix?: string;
}

/** The only constructor of BullMQ queues in kubedump. */
export function createQueue<T>(name: QueueName, deps: QueueDeps, defaultJobOptions?: JobsOptions): Queue<T> {
  return new Queue<T>(name, {
    connection: deps.connection,
    prefix: deps.prefix ?? DEFAULT_QUEUE_PREFIX,
    defaultJobOptions,
  });
}

/** The only constructor of BullMQ workers in kubedump. */
export function createWorker<T, R = unknown>(
  name: QueueName,
  processor: Processor<T, R>,
  deps: QueueDeps,
  opts: Omit<WorkerOptions, "connection" | "prefix"> = {},
): Worker<T, R> {
  return new Worker<T, R>(name, processor, {
    ...opts,
    connection: deps.connection,
    prefix: deps.prefix ?? DEFAULT_QUEUE_PREFIX,
  });
}
