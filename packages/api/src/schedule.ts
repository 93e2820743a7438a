import { z } from "zod";
import { CRON_MACROS, validateCron } from "./cron.js";

/**
 * Time zone of a schedule when `timeZone` is omitted.
 * @defaultValue "UTC"
 */
export const DEFAULT_TIME_ZONE = "UTC";

const CRON_SHAPE = new RegExp(`^\\s*(${CRON_MACROS.join("|")}|\\S+\\s+\\S+\\s+\\S+\\s+\\S+\\s+\\S+)\\s*$`);

/** True when `Intl` knows the IANA time zone. */
function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat(undefined, { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * A cron schedule: its shape is checked by the API server too (the CRD's pattern), each field's
 * range by validateCron, so a bad hour is named by the watcher, e.g. `hour "25": 25 is out of range 0-23`.
 */
export const CronScheduleSchema = z
  .string()
  .regex(CRON_SHAPE, {
    message: `must be 5 cron fields (minute hour day-of-month month day-of-week) or one of ${CRON_MACROS.join(", ")}`,
    abort: true,
  })
  .superRefine((schedule, ctx) => {
    for (const message of validateCron(schedule)) ctx.addIssue({ code: "custom", message });
  });

/** An IANA time zone, `DEFAULT_TIME_ZONE` when omitted. */
export const TimeZoneSchema = z
  .string()
  .refine(isTimeZone, { message: "must be an IANA time zone such as Europe/Berlin or UTC" })
  .default(DEFAULT_TIME_ZONE);
