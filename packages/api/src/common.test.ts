import { describe, expect, it } from "vitest";
import { type Condition, ConditionSchema, setCondition } from "./common.js";

const t0 = new Date("2026-11-26T02:00:00.000Z");
const t1 = new Date("2026-11-26T03:00:00.000Z");

describe("setCondition", () => {
  const ready = { type: "SpecValid", status: "True", reason: "Valid", message: "spec is valid" } as const;

  it("adds a new condition with the transition time, in Kubernetes' format", () => {
    const conditions = setCondition(undefined, ready, t0);
    expect(conditions).toEqual([{ ...ready, lastTransitionTime: "2026-11-26T02:00:00Z" }]);
    expect(ConditionSchema.safeParse(conditions[0]).success).toBe(true);
  });

  it("keeps the transition time when only reason or message change", () => {
    const before = setCondition(undefined, ready, t0);
    const after = setCondition(before, { ...ready, message: "still valid", observedGeneration: 2 }, t1);
    expect(after).toEqual([
      { ...ready, message: "still valid", observedGeneration: 2, lastTransitionTime: "2026-11-26T02:00:00Z" },
    ]);
  });

  it("moves the transition time when the status changes and leaves other types alone", () => {
    const other: Condition = {
      type: "Scheduled",
      status: "True",
      reason: "SchedulerCreated",
      message: "",
      lastTransitionTime: "2026-11-25T00:00:00Z",
    };
    const before = setCondition([other], ready, t0);
    const after = setCondition(before, { ...ready, status: "False", reason: "InvalidSpec" }, t1);
    expect(after).toEqual([
      other,
      { ...ready, status: "False", reason: "InvalidSpec", lastTransitionTime: "2026-11-26T03:00:00Z" },
    ]);
    expect(before[1]?.status).toBe("True");
  });
});
