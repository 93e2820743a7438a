import { z } from "zod";

export const ScheduleJobSchema = z.object({ namespace: z.string().min(1), name: z.string().min(1) });
export type ScheduleJob = z.infer<typeof ScheduleJobSchema>;

export const TickJobSchema = z.object({ namespace: z.string().min(1), name: z.string().min(1) });
export type TickJob = z.infer<typeof TickJobSchema>;

export const BackupJobSchema = z.object({
  namespace: z.string().min(1),
  name: z.string().min(1),
  uid: z.string().min(1),
});
export type BackupJob = z.infer<typeof BackupJobSchema>;
