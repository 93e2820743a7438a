import { KubeApiError, KubeUnreachableError } from "@kubedump/kube";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { retryWhileApiAway } from "./record-retry.js";

const log = pino({ level: "silent" });
const away = () => new KubeUnreachableError("cannot reach the API server at https://127.0.0.1:6443: ECONNREFUSED");

/** A record step that fails with `errors` one after another, then succeeds; and the delays it was retried after. */
function flaky(errors: Error[]) {
  const delays: number[] = [];
  let calls = 0;
  const fn = async () => {
    const err = errors[calls++];
    if (err) throw err;
  };
  const sleep = async (ms: number) => {
    delays.push(ms);
  };
  return { fn, sleep, delays, calls: () => calls };
}

describe("retryWhileApiAway", () => {
  it.each([
    ["unreachable", away()],
    ["429", new KubeApiError(429, "TooManyRequests", "slow down")],
    ["503", new KubeApiError(503, "ServiceUnavailable", "apiserver is shutting down")],
  ])("waits out an API server that is away (%s), backing off", async (_, err) => {
    const f = flaky([err, err, err]);
    await retryWhileApiAway(f.fn, log, { sleep: f.sleep });
    expect(f.delays).toEqual([1000, 2000, 4000]);
    expect(f.calls()).toBe(4);
  });

  it("gives up once the time allowed is up, with the last error", async () => {
    const errors = Array.from({ length: 20 }, away);
    const f = flaky(errors);
    await expect(retryWhileApiAway(f.fn, log, { sleep: f.sleep, timeoutMs: 30_000 })).rejects.toBe(errors[5]);
    expect(f.delays).toEqual([1000, 2000, 4000, 8000, 10_000]);
  });

  it.each([
    ["a 404", new KubeApiError(404, "NotFound", 'backupsessions.kubedump.io "s" not found')],
    ["a 422", new KubeApiError(422, "Invalid", "status.phase: Unsupported value")],
    ["any other error", new Error("a bug")],
  ])("throws %s at once", async (_, err) => {
    const f = flaky([err]);
    await expect(retryWhileApiAway(f.fn, log, { sleep: f.sleep })).rejects.toBe(err);
    expect(f.delays).toEqual([]);
  });
});
