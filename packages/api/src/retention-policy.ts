import { z } from "zod";
import { withRule } from "./crd-extensions.js";

const KEEP = {
  keepLast: "the newest n snapshots",
  keepHourly: "the newest snapshot of each of the last n hours that have one",
  keepDaily: "the newest snapshot of each of the last n days that have one",
  keepWeekly: "the newest snapshot of each of the last n weeks that have one",
  keepMonthly: "the newest snapshot of each of the last n months that have one",
  keepYearly: "the newest snapshot of each of the last n years that have one",
} as const;

type KeepField = keyof typeof KEEP;
const KEEP_FIELDS = Object.keys(KEEP) as KeepField[];

const keep = (field: KeepField) => z.int().min(0).optional().describe(`Keep ${KEEP[field]}.`);

export const RetentionPolicySchema = withRule(
  z
    .object({
      name: z.string().min(1).describe("Name of the policy, recorded with each cleanup."),
      keepLast: keep("keepLast"),
      keepHourly: keep("keepHourly"),
      keepDaily: keep("keepDaily"),
      keepWeekly: keep("keepWeekly"),
      keepMonthly: keep("keepMonthly"),
      keepYearly: keep("keepYearly"),
      prune: z
        .boolean()
        .default(true)
        .describe("Also delete the data of the snapshots the policy drops; false only forgets them. Default true."),
      dryRun: z.boolean().default(false).describe("Only report which snapshots the policy would drop; delete nothing."),
    })
    .describe(
      "Which snapshots to keep after each backup; a snapshot is kept when any rule keeps it, the rest are removed.",
    ),
  {
    holds: (policy) => KEEP_FIELDS.some((field) => (policy[field] ?? 0) > 0),
    cel: KEEP_FIELDS.map((field) => `(has(self.${field}) && self.${field} > 0)`).join(" || "),
    message: `at least one of ${KEEP_FIELDS.join(", ")} must be greater than 0`,
  },
);

export type RetentionPolicy = z.infer<typeof RetentionPolicySchema>;
