import { describe, expect, it } from "vitest";
import { type Condition, ConditionSchema, setCondition, setReadyCondition } from "./common.js";

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

describe("setReadyCondition", () => {
  const cond = (type: string, status: Condition["status"], reason: string): Condition => ({
    type,
    status,
    reason,
    message: `${type} says ${reason}`,
    lastTransitionTime: "2026-11-25T00:00:00Z",
  });
  const ready = (conditions: Condition[]) => conditions.find((c) => c.type === "Ready");

  it.each([
    ["every other condition True", [cond("A", "True", "Ok"), cond("B", "True", "Ok")], "True", "AllConditionsTrue"],
    [
      "the first False one decides",
      [cond("A", "True", "Ok"), cond("B", "False", "Bad"), cond("C", "False", "Worse")],
      "False",
      "Bad",
    ],
    [
      "False wins over an earlier Unknown",
      [cond("A", "Unknown", "Checking"), cond("B", "False", "Bad")],
      "False",
      "Bad",
    ],
    ["Unknown when none is False", [cond("A", "True", "Ok"), cond("B", "Unknown", "Checking")], "Unknown", "Checking"],
    ["Unknown while there is nothing to summarise", [], "Unknown", "NoConditions"],
  ] as const)("%s", (_, conditions, status, reason) => {
    const summary = ready(setReadyCondition([...conditions], t0, 4));
    expect(summary).toMatchObject({ status, reason, observedGeneration: 4 });
    const failing = conditions.find((c) => c.reason === reason);
    if (failing) expect(summary?.message).toBe(failing.message);
  });

  it("ignores its own previous value and keeps the transition time while the status stays", () => {
    const first = setReadyCondition([cond("A", "False", "Bad")], t0);
    const second = setReadyCondition(
      first.map((c) => (c.type === "A" ? cond("A", "False", "StillBad") : c)),
      t1,
    );
    expect(ready(second)).toEqual({
      type: "Ready",
      status: "False",
      reason: "StillBad",
      message: "A says StillBad",
      lastTransitionTime: "2026-11-26T02:00:00Z",
    });
    const third = setReadyCondition(
      second.map((c) => (c.type === "A" ? cond("A", "True", "Ok") : c)),
      t1,
    );
    expect(ready(third)).toMatchObject({
      status: "True",
      lastTransitionTime: "2026-11-26T03:00:00Z",
      message: "A: True",
    });
    expect(third.filter((c) => c.type === "Ready")).toHaveLength(1);
  });
});
