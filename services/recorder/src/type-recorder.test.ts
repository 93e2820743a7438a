// One resource type's recorder against the test API server, its changes into an in-memory sink:
// a watch that ends with 410 Gone relists, records the differences and a gap.
import { createKubeClient, type KubeClient, type StreamOpts } from "@kubedump/kube";
import type { ChangeInput, GapReason } from "@kubedump/repository/journal";
import { kubeHttp } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { waitFor } from "../../../test/e2e/harness.js";
import { CONFIGMAPS, ensureNamespace } from "../../../packages/kube/src/test-support.js";
import { type ChangeSink, type RelistReason, TypeRecorder } from "./type-recorder.js";

const t = inject("testenv");
const NS = "recorder-type-410";

/** What a type recorder told its sink. */
class MemorySink implements ChangeSink {
  readonly changes: ChangeInput[] = [];
  readonly gaps: { from: number; to: number; reason: GapReason }[] = [];
  readonly relists: RelistReason[] = [];
  unchangedCount = 0;
  open = 0;
  async append(change: ChangeInput) {
    this.changes.push(change);
  }
  async gap(from: number, to: number, reason: GapReason) {
    this.gaps.push({ from, to, reason });
  }
  unchanged() {
    this.unchangedCount++;
  }
  relisted(reason: RelistReason) {
    this.relists.push(reason);
  }
  watchOpened(delta: 1 | -1) {
    this.open += delta;
  }
}

/**
 * The real client, but its first watch asks for resourceVersion 1 (older than the API server's
 * watch cache: 410 Gone), after `before` ran: what a watch resumed after a long outage meets.
 */
function expiringFirstWatch(client: KubeClient, before: () => Promise<void>): KubeClient {
  let first = true;
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop !== "stream") {
        const value = Reflect.get(target, prop, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      }
      return async (path: string, opts: StreamOpts) => {
        if (!first) return target.stream(path, opts);
        first = false;
        await before();
        return target.stream(path, { ...opts, query: { ...opts.query, resourceVersion: "1" } });
      };
    },
  });
}

describe("a type recorder whose watch expires", () => {
  const client = createKubeClient({ kubeconfig: t.kubeconfig });
  const path = `/api/v1/namespaces/${NS}/configmaps`;
  beforeAll(() => ensureNamespace(t, NS));
  afterAll(() => client.close());

  it("relists, records what changed meanwhile, and a 410 gap from the last moment it was sure of", async () => {
    await kubeHttp(t, path, { body: { metadata: { name: "before" }, data: { v: "1" } } });
    const sink = new MemorySink();
    const recorder = new TypeRecorder({
      client: expiringFirstWatch(client, async () => {
        await kubeHttp(t, path, { body: { metadata: { name: "meanwhile" }, data: { v: "1" } } });
        await kubeHttp(t, `${path}/before`, { method: "DELETE" });
      }),
      target: { rt: CONFIGMAPS, namespace: NS, keep: () => true },
      sink,
      keys: null,
      sanitize: true,
      watchTimeoutSeconds: 30,
      onError: () => {},
    });
    const started = Date.now();
    recorder.start();
    try {
      await waitFor("the 410 relist", async () => (sink.gaps.length > 0 ? true : undefined), 30_000, 100);
      await kubeHttp(t, path, { body: { metadata: { name: "after" }, data: { v: "1" } } });
      await waitFor("the watch after the relist", async () =>
        sink.changes.some((c) => c.ref.name === "after") ? true : undefined,
      );
    } finally {
      await recorder.stop();
    }
    expect(sink.relists).toEqual(["start", "410"]);
    expect(sink.changes.map((c) => `${c.kind} ${c.ref.name}`)).toEqual([
      "added before",
      "added meanwhile",
      "deleted before",
      "added after",
    ]);
    const [gap] = sink.gaps;
    expect(gap?.reason).toBe("410");
    expect(gap?.from).toBeGreaterThanOrEqual(started);
    expect(gap?.to).toBeGreaterThanOrEqual(gap?.from ?? 0);
    expect(sink.changes[1]?.time).toBe(gap?.to);
    expect(sink.open).toBe(0);
  });
});
