import { Writable } from "node:stream";
import { InvalidSpecError, type Job } from "@kubedump/queue";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { JobTimedOutError, type Loaded, type Reconciler, type Report, reconcilerProcessor } from "./reconciler.js";

interface Data {
  name: string;
}
interface Outcome {
  phase: string;
}

/** What one processed job did: the reports record got, releases, and the log lines at warn and above. */
interface Trace {
  reports: string[];
  released: number;
  logs: { level: number; msg: string; name?: string }[];
}

interface Script {
  load?: () => Promise<Loaded<string, Outcome>>;
  run?: (signal: AbortSignal) => Promise<Outcome>;
  deadlineMs?: number;
}

/** A reconciler over an in-memory script, and the trace of what the processor made of it. */
function scripted(script: Script): { reconciler: Reconciler<Data, string, Outcome>; trace: Trace } {
  const trace: Trace = { reports: [], released: 0, logs: [] };
  const describeReport = (r: Report<string, Outcome>): string =>
    r.kind === "started"
      ? `started ${r.work}`
      : r.kind === "finished"
        ? `finished ${r.outcome.phase}`
        : `failed ${r.error.name} final=${r.final} work=${r.work ?? "-"}`;
  const reconciler: Reconciler<Data, string, Outcome> = {
    what: "test job",
    logFields: (data) => ({ name: data.name }),
    load: script.load ?? (async () => ({ work: "w" })),
    run: async (_work, { signal }) => (script.run ? script.run(signal) : { phase: "Succeeded" }),
    record: async (_job, report) => {
      trace.reports.push(describeReport(report));
    },
    deadline: () => (script.deadlineMs === undefined ? undefined : { ms: script.deadlineMs, message: "too slow" }),
    release: async () => {
      trace.released++;
    },
  };
  return { reconciler, trace };
}

/** Runs one attempt of a job through the processor, as BullMQ would. */
async function attempt(script: Script, attemptsMade: number, attempts: number): Promise<Trace & { result: unknown }> {
  const { reconciler, trace } = scripted(script);
  const sink = new Writable({
    write(chunk, _encoding, done) {
      const line = JSON.parse(String(chunk));
      if (line.level >= 40) trace.logs.push({ level: line.level, msg: line.msg, name: line.name });
      done();
    },
  });
  const processor = reconcilerProcessor(reconciler, { log: pino({ level: "info" }, sink) });
  const job = { id: "j1", data: { name: "obj-1" }, attemptsMade, opts: { attempts } } as unknown as Job<Data>;
  const result = await processor(job).catch((err: unknown) => err);
  return { ...trace, result };
}

const transient = () => Promise.reject(new Error("backend unreachable"));

describe("reconcilerProcessor", () => {
  it.each([
    ["load finds nothing to do", { load: async () => ({ done: "gone" }) }, 0, 1, [], 0, "gone"],
    [
      "load knows the outcome: run is skipped",
      { load: async () => ({ work: "w", outcome: { phase: "Skipped" } }) },
      0,
      1,
      ["finished Skipped"],
      1,
      "Skipped",
    ],
    ["the work runs", {}, 0, 1, ["started w", "finished Succeeded"], 1, "Succeeded"],
    ["a failed attempt with retries left records nothing", { run: transient }, 0, 3, ["started w"], 1, Error],
    [
      "the last attempt's failure is recorded",
      { run: transient },
      2,
      3,
      ["started w", "failed Error final=true work=w"],
      1,
      Error,
    ],
    [
      "an invalid spec is final on the first attempt",
      { load: () => Promise.reject(new InvalidSpecError("spec.x: bad")) },
      0,
      3,
      ["failed InvalidSpecError final=true work=-"],
      0,
      InvalidSpecError,
    ],
  ] as const)("%s", async (_name, script, attemptsMade, attempts, reports, released, result) => {
    const trace = await attempt(script as Script, attemptsMade, attempts);
    expect(trace.reports).toEqual(reports);
    expect(trace.released).toBe(released);
    if (typeof result === "string") expect(trace.result).toBe(result);
    else expect(trace.result).toBeInstanceOf(result);
  });

  it("logs each failed attempt once, with the job's fields: a warning while retries follow, an error when final", async () => {
    const first = await attempt({ run: transient }, 0, 2);
    expect(first.logs).toEqual([
      { level: 40, msg: "test job attempt 1 failed, will retry: backend unreachable", name: "obj-1" },
    ]);
    const last = await attempt({ run: transient }, 1, 2);
    expect(last.logs).toEqual([{ level: 50, msg: "test job failed: backend unreachable", name: "obj-1" }]);
    const ok = await attempt({}, 0, 1);
    expect(ok.logs).toEqual([]);
  });

  it("aborts a run past its deadline and fails the job for good with JobTimedOutError", async () => {
    const trace = await attempt(
      {
        deadlineMs: 50,
        run: (signal) =>
          new Promise((_resolve, reject) => signal.addEventListener("abort", () => reject(new Error("aborted")))),
      },
      0,
      3,
    );
    expect(trace.result).toBeInstanceOf(JobTimedOutError);
    expect((trace.result as Error).message).toBe("too slow");
    expect(trace.reports).toEqual(["started w", "failed JobTimedOutError final=true work=w"]);
    expect(trace.released).toBe(1);
  });
});
