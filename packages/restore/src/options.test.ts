import { describe, expect, it } from "vitest";
import { describeProgress, type RestoreProgress } from "./options.js";

const progress = (change: Partial<RestoreProgress>): RestoreProgress => ({
  phase: "restoring",
  pass: 1,
  step: "configmaps",
  stepsDone: 5,
  steps: 9,
  stepObjectsDone: 1200,
  stepObjects: 40000,
  objectsDone: 31210,
  objects: 100010,
  ...change,
});

describe("describeProgress", () => {
  it.each<[string, Partial<RestoreProgress>, string]>([
    ["verifying", { phase: "verifying" }, "verifying the snapshot"],
    ["a step", {}, "31210/100010 objects — step 6/9 configmaps 1200/40000"],
    [
      "a later pass",
      { pass: 2, steps: 1, stepsDone: 0 },
      "31210/100010 objects — pass 2, step 1/1 configmaps 1200/40000",
    ],
    [
      "a wait for CRDs",
      {
        phase: "establishing",
        step: "customresourcedefinitions.apiextensions.k8s.io",
        stepsDone: 0,
        stepObjectsDone: 3,
        stepObjects: 3,
      },
      "31210/100010 objects — step 1/9 customresourcedefinitions.apiextensions.k8s.io 3/3, waiting for CustomResourceDefinitions to be Established",
    ],
    ["the end", { stepsDone: 9 }, "31210/100010 objects — step 9/9 configmaps 1200/40000"],
  ])("describes %s", (_what, change, text) => {
    expect(describeProgress(progress(change))).toBe(text);
  });
});
