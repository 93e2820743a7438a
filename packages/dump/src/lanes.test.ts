import type { KubeObject, ResourceType } from "@kubedump/kube";
import { describe, expect, it } from "vitest";
import type { PlanStep } from "./application.js";
import { lanes, type PlanItem } from "./lanes.js";

// An in-memory double of a paged LIST: `pages` pages per step, each after a random delay, and an
// error after the pages of a step named "*-broken".
const step = (key: string): PlanStep => ({ rt: { key } as ResourceType });
const PLAN = { A: 2, B: 0, C: 3, "D-broken": 1, E: 1 };

function lister(delays: (key: string) => number, closed: string[] = []) {
  return async function* list(s: PlanStep): AsyncGenerator<KubeObject[]> {
    const key = s.rt.key;
    try {
      for (let i = 1; i <= PLAN[key as keyof typeof PLAN]; i++) {
        await new Promise((r) => setTimeout(r, delays(key)));
        yield [{ metadata: { name: `${key}${i}` } } as KubeObject];
      }
      await new Promise((r) => setTimeout(r, delays(key)));
      if (key.endsWith("-broken")) throw new Error(`listing ${key} failed`);
    } finally {
      closed.push(key);
    }
  };
}

const label = (item: PlanItem) =>
  "page" in item ? (item.page[0]?.metadata.name ?? "") : "error" in item ? `${item.step.rt.key}:error` : `${item.step.rt.key}:end`;

describe("lanes", () => {
  const plan = Object.keys(PLAN).map(step);
  // Two lanes taken in turn; a lane whose step ended moves on to the next step of the plan.
  const EXPECTED = ["A1", "B:end", "A2", "C1", "A:end", "C2", "D-broken1", "C3", "D-broken:error", "C:end", "E1", "E:end"];

  it.each([
    ["no delays", () => 0],
    ["random delays", () => Math.floor(Math.random() * 6)],
    ["slow A and C", (key: string) => (key === "A" || key === "C" ? 8 : 0)],
  ])("hands on items in an order that depends on the data only (%s)", async (_, delays: (key: string) => number) => {
    const got: string[] = [];
    for await (const item of lanes(plan, lister(delays), 2)) got.push(label(item));
    expect(got).toEqual(EXPECTED);
  });

  it("with one lane, is the plan's items in order", async () => {
    const got: string[] = [];
    for await (const item of lanes(plan, lister(() => 1), 1)) got.push(label(item));
    expect(got).toEqual(["A1", "A2", "A:end", "B:end", "C1", "C2", "C3", "C:end", "D-broken1", "D-broken:error", "E1", "E:end"]);
  });

  it("closes the listings in flight when the consumer stops", async () => {
    const closed: string[] = [];
    for await (const item of lanes(plan, lister(() => 2, closed), 2)) {
      if (label(item) === "C1") break;
    }
    // B had ended; A and C, still listing, are closed by the stop; D was never opened.
    expect(closed.sort()).toEqual(["A", "B", "C"]);
  });
});
