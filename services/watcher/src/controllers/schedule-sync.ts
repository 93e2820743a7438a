import { configKey, QUEUES, SCHEDULE_JOBS, type ScheduleJob, verifyScheduleJobId } from "@kubedump/queue";
import type { ControllerDeps, ObjectKey } from "../controller.js";

const JOB_IDS = { backup: configKey, verify: verifyScheduleJobId } as const;

/**
 * Asks the scheduler to sync an object's job scheduler: a BackupConfiguration's backup schedule or
 * a Repository's verify schedule. One job per object at a time: its id is the object's.
 */
export async function enqueueScheduleSync(
  deps: Pick<ControllerDeps, "queues">,
  schedule: keyof typeof SCHEDULE_JOBS,
  { namespace, name }: ObjectKey,
): Promise<void> {
  await deps.queues
    .get<ScheduleJob>(QUEUES.schedules)
    .add(
      SCHEDULE_JOBS[schedule],
      { namespace, name },
      { jobId: JOB_IDS[schedule](namespace, name), removeOnComplete: true, removeOnFail: 100 },
    );
}
