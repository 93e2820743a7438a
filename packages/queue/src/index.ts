export { createRedis, describeRedisTarget, type RedisTarget, type SentinelAddress } from "./connection.js";
export { InvalidSpecError } from "./errors.js";
export {
  ALL_QUEUES,
  configKey,
  DEFAULT_QUEUE_PREFIX,
  QUEUES,
  type QueueName,
  SCHEDULE_JOBS,
  verifyScheduleJobId,
} from "./names.js";
export type { BackupJob, RestoreJob, ScheduleJob, TickJob, VerifyJob } from "./payloads.js";
export { createQueue, createWorker, type QueueDeps } from "./queues.js";
export type { Job, JobsOptions, Queue, Worker } from "bullmq";
export { UnrecoverableError } from "bullmq";
