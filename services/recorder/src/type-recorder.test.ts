// One resource type's recorder against the test API server, its changes into an in-memory sink:
// a watch that ends with 410 Gone relists, records the differences and a gap.
import { createKubeClient, type KubeClient, type StreamOpts } from "@kubedump/kube";
import type { ChangeInput, GapReason } from "@kubedump/repository/journal";
import { kubeHttp } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { waitFor } from "../../../test/e2e/harness.js";
import { compactEtcd, EVENTS, ensureNamespace, eventBody } from "../../../packages/kube/src/test-support.js";
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
  /** Changes (`kind name`) and gaps (`gap reason`) in the order they came. */
  order: string[] = [];
  async append(change: ChangeInput) {
    this.changes.push(change);
    this.order.push(`${change.kind} ${change.ref.name}`);
  }
  async gap(from: number, to: number, reason: GapReason) {
    this.gaps.push({ from, to, reason });
    this.order.push(`gap ${reason}`);
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

/** The real client, but `before` runs before its first watch starts: what a watch resumed after an outage meets. */
function delayedFirstWatch(client: KubeClient, before: () => Promise<void>): KubeClient {
  let first = true;
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop !== "stream") {
        const value = Reflect.get(target, prop, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      }
      return async (path: string, opts: StreamOpts) => {
        if (first) {
          first = false;
          await before();
        }
        return target.stream(path, opts);
      };
    },
  });
}

describe("a type recorder whose watch expires", () => {
  const client = createKubeClient({ kubeconfig: t.kubeconfig });
  const path = `/api/v1/namespaces/${NS}/events`;
  beforeAll(() => ensureNamespace(t, NS));
  afterAll(() => client.close());

  it("relists, records what changed meanwhile, and a 410 gap from the last moment it was sure of", async () => {
    await kubeHttp(t, path, { body: eventBody(NS, "before") });
    const sink = new MemorySink();
    const recorder = new TypeRecorder({
      // Events are read from etcd, not the watch cache: once etcd is compacted, the list's
      // resourceVersion is gone and the first watch ends with 410 Gone.
      client: delayedFirstWatch(client, async () => {
        await kubeHttp(t, path, { body: eventBody(NS, "meanwhile") });
        await kubeHttp(t, `${path}/before`, { method: "DELETE" });
        await compactEtcd(t);
      }),
      target: { rt: EVENTS, namespace: NS, keep: () => true },
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
      await kubeHttp(t, path, { body: eventBody(NS, "after") });
      await waitFor("the watch after the relist", async () =>
        sink.changes.some((c) => c.ref.name === "after") ? true : undefined,
      );
    } finally {
      await recorder.stop();
    }
    expect(sink.relists).toEqual(["start", "410"]);
    expect(sink.order).toEqual(["added before", "gap 410", "added meanwhile", "deleted before", "added after"]);
    const [gap] = sink.gaps;
    expect(gap?.reason).toBe("410");
    expect(gap?.from).toBeGreaterThanOrEqual(started);
    expect(gap?.to).toBeGreaterThanOrEqual(gap?.from ?? 0);
    expect(sink.changes[1]?.time).toBe(gap?.to);
    expect(sink.open).toBe(0);
  });
});
