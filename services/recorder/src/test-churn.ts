// A churn generator for the recorder's tests; excluded from the build (tsconfig.build.json).
import { kubeHttp, type TestEnvInfo } from "@kubedump/testenv";
import type { JournalReader } from "@kubedump/repository/journal";
import { createWidgetCrd, journalBlobs, kubeWrite, liveBlobs, waitForJournal } from "./test-support.js";

/** What the generator recorded: the objects of its types at a moment, as a backup would store them. */
export interface Checkpoint {
  time: number;
  blobs: Map<string, string>;
}

/** A small deterministic PRNG (mulberry32), so a failing run can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const MERGE = "application/merge-patch+json";

/**
 * Creates, updates (data, labels), deletes and re-creates ConfigMaps of one namespace, and once
 * addCrd() was called, Widgets of a CRD made mid-run. After each batch it waits `quietMs`, then
 * takes a checkpoint: the time, and the blob ids of every object of its types (read back from the
 * API server), which the journal's state at that time must equal.
 */
export class Churn {
  readonly checkpoints: Checkpoint[] = [];
  readonly resources = ["configmaps"];
  private readonly next: () => number;
  private readonly present = new Set<string>();
  private widgets: string | undefined;
  private counter = 0;
  ops = 0;

  constructor(
    private readonly t: TestEnvInfo,
    private readonly ns: string,
    seed: number,
    private readonly names = 12,
  ) {
    this.next = random(seed);
  }

  /** Makes CRD widgets.<ns>.example.com; later batches change Widgets too. */
  async addCrd(): Promise<void> {
    const group = `${this.ns}.example.com`;
    await createWidgetCrd(this.t, group);
    this.widgets = `/apis/${group}/v1/namespaces/${this.ns}/widgets`;
    this.resources.push("widgets");
  }

  /** `ops` random changes, one after another. */
  async batch(ops: number): Promise<void> {
    for (let i = 0; i < ops; i++) await this.change();
  }

  /** Waits `quietMs`, then records the checkpoint of this moment. */
  async checkpoint(quietMs: number): Promise<Checkpoint> {
    await new Promise((resolve) => setTimeout(resolve, quietMs));
    const time = Date.now();
    const checkpoint = { time, blobs: await liveBlobs(this.t, this.collections()) };
    this.checkpoints.push(checkpoint);
    return checkpoint;
  }

  collections() {
    const core = { path: `/api/v1/namespaces/${this.ns}/configmaps`, apiVersion: "v1", kind: "ConfigMap" };
    const widgets = this.widgets && { path: this.widgets, apiVersion: `${this.ns}.example.com/v1`, kind: "Widget" };
    return widgets ? [core, widgets] : [core];
  }

  private async change(): Promise<void> {
    const widget = this.widgets !== undefined && this.next() < 0.4;
    const base = widget ? (this.widgets as string) : `/api/v1/namespaces/${this.ns}/configmaps`;
    const name = `${widget ? "w" : "cm"}-${Math.floor(this.next() * this.names)}`;
    const key = `${base}/${name}`;
    const n = ++this.counter;
    const r = this.next();
    this.ops++;
    if (!this.present.has(key)) {
      const body = widget
        ? { apiVersion: `${this.ns}.example.com/v1`, kind: "Widget", metadata: { name }, spec: { size: n } }
        : { metadata: { name }, data: { v: String(n) } };
      await kubeWrite(this.t, "POST", base, body);
      this.present.add(key);
    } else if (r < 0.2) {
      await kubeWrite(this.t, "DELETE", key);
      this.present.delete(key);
    } else if (r < 0.35) {
      await this.patch(key, { metadata: { labels: { tick: String(n) } } });
    } else {
      await this.patch(key, widget ? { spec: { size: n } } : { data: { v: String(n) } });
    }
  }

  private async patch(path: string, body: unknown): Promise<void> {
    const res = await kubeHttp(this.t, path, { method: "PATCH", body, contentType: MERGE });
    if (res.status >= 300) throw new Error(`PATCH ${path}: ${res.status} ${res.text}`);
  }
}

/** Waits until the journal holds the last checkpoint's state, then compares every checkpoint's (checkpointMismatches). */
export async function churnMismatches(reader: JournalReader, churn: Churn) {
  const last = churn.checkpoints.at(-1);
  if (!last) throw new Error("the churn took no checkpoint");
  await waitForJournal(reader, last.blobs, churn.resources);
  return checkpointMismatches(reader, churn);
}

/** The checkpoints whose state the journal does not give back as recorded, with what it gives (none: all equal). */
export async function checkpointMismatches(reader: JournalReader, churn: Churn) {
  const mismatches: { at: string; recorded: [string, string][]; journal: [string, string][] }[] = [];
  for (const checkpoint of churn.checkpoints) {
    const { blobs } = await journalBlobs(reader, checkpoint.time, churn.resources);
    const [recorded, journal] = [[...checkpoint.blobs].sort(), [...blobs].sort()];
    if (JSON.stringify(recorded) !== JSON.stringify(journal))
      mismatches.push({ at: new Date(checkpoint.time).toISOString(), recorded, journal });
  }
  return mismatches;
}
