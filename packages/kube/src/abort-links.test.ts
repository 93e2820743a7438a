import { getEventListeners } from "node:events";
import type { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createKubeClient } from "./client.js";
import { isNotFound } from "./errors.js";
import { ensureNamespace } from "./test-support.js";

const env = inject("testenv");
const client = createKubeClient({ kubeconfig: env.kubeconfig, qps: 0 });
const NS = "kube-abort-links";
const cms = `/api/v1/namespaces/${NS}/configmaps`;
const IN_FLIGHT = 32;

const listeners = (signal: AbortSignal) => getEventListeners(signal, "abort").length;
const warnings: Error[] = [];
const onWarning = (w: Error) => warnings.push(w);

beforeAll(async () => {
  await ensureNamespace(env, NS);
  process.on("warning", onWarning);
});
afterAll(() => {
  process.off("warning", onWarning);
  client.close();
});

/** The most 'abort' listeners `signal` had while `work` ran, sampled on every turn of the event loop. */
async function mostListenersDuring<T>(signal: AbortSignal, work: Promise<T>): Promise<{ most: number; result: T }> {
  let most = listeners(signal);
  let running = true;
  const sample = () => {
    most = Math.max(most, listeners(signal));
    if (running) setImmediate(sample);
  };
  sample();
  try {
    const result = await work;
    return { most: Math.max(most, listeners(signal)), result };
  } finally {
    running = false;
  }
}

const leakWarnings = () => warnings.filter((w) => w.name === "MaxListenersExceededWarning");

describe("KubeClient requests on one caller's signal", () => {
  it(`puts one abort listener on it for ${IN_FLIGHT} requests in flight, none once they end, whatever their answer`, async () => {
    const signal = new AbortController().signal;
    const requests = Array.from({ length: IN_FLIGHT }, (_, i) =>
      i % 4 === 3
        ? client.request("GET", `${cms}/missing-${i}`, { signal }).catch((err: unknown) => isNotFound(err))
        : client.request<{ kind: string }>("GET", cms, { signal }).then((list) => list.kind === "ConfigMapList"),
    );
    const { most, result } = await mostListenersDuring(signal, Promise.all(requests));
    await new Promise((r) => setImmediate(r)); // a warning is emitted on the next tick
    expect(result).toEqual(Array(IN_FLIGHT).fill(true));
    expect(most).toBe(1);
    expect(listeners(signal)).toBe(0);
    expect(leakWarnings()).toEqual([]);
  });

  it("aborts every request and stream in flight with the caller's reason, and leaves no listener behind", async () => {
    const abort = new AbortController();
    const { signal } = abort;
    const watch = `${cms}?watch=1&timeoutSeconds=60`;
    // Requests whose answers never end (a watch read to its end), and streams, all on one signal.
    const requests = Array.from({ length: 12 }, () =>
      client.requestBody("GET", watch, { signal }).then(
        () => "answered",
        (err: unknown) => err,
      ),
    );
    const streams = await Promise.all(Array.from({ length: 12 }, () => client.stream(watch, { signal })));
    const closed = streams.map((s) => new Promise<boolean>((done) => s.once("close", () => done(s.destroyed))));
    expect(listeners(signal)).toBe(1);

    const reason = new Error("stop, test");
    abort.abort(reason);

    expect(await Promise.all(requests)).toEqual(Array(12).fill(reason));
    expect(await Promise.all(closed)).toEqual(Array(12).fill(true));
    expect(listeners(signal)).toBe(0);
    expect(leakWarnings()).toEqual([]);
  });

  it("releases a stream's listener when the stream ends by itself or is destroyed", async () => {
    const signal = new AbortController().signal;
    const ending = await client.stream(`${cms}?watch=1&timeoutSeconds=1`, { signal });
    const destroyed = await client.stream(`${cms}?watch=1&timeoutSeconds=60`, { signal });
    expect(listeners(signal)).toBe(1);
    destroyed.destroy();
    ending.resume();
    await Promise.all([ending, destroyed].map((s: Readable) => new Promise((done) => s.once("close", done))));
    expect(listeners(signal)).toBe(0);
    // A refused stream releases its link too.
    await expect(client.stream("/api/v1/namespaces/kube-abort-links/nosuchthings", { signal })).rejects.toThrow();
    expect(listeners(signal)).toBe(0);
  });

  it("fails a request on a signal aborted before it was sent with that signal's reason", async () => {
    const reason = new Error("aborted before");
    const signal = AbortSignal.abort(reason);
    await expect(client.request("GET", cms, { signal })).rejects.toBe(reason);
    expect(listeners(signal)).toBe(0);
  });
});
