// Builders shared by the journal's tests; excluded from the build (tsconfig.build.json).
import { createHash } from "node:crypto";
import { blobId, type Format2Keys } from "../format2/keys.js";
import type { SnapshotDraftV2 } from "../format2/manifest.js";
import type { SnapshotInputObject } from "../format2/snapshot-writer.js";
import { deploymentYaml } from "../format2/test-support.js";
import type { ChangeInput } from "./journal-writer.js";
import type { JournalScope } from "./layout.js";
import { type JournalGap, type ObjectRef, objectKey } from "./records.js";
import type { JournalState } from "./state-at.js";

export const T0 = Date.parse("2026-11-26T02:00:00.000Z");
export const SCOPE: JournalScope = { scope: { type: "namespace", namespace: "shop" }, params: { sanitize: "true" } };
const NAMESPACE = "shop";

interface ModelObject {
  ref: ObjectRef;
  revision: number;
  data: Buffer;
}

/** A journal event the churn produced: a recorded change, a gap, or a change the journal never saw (inside a gap). */
export type ChurnEvent = { change: ChangeInput; hidden: boolean } | { gap: JournalGap };

/** A snapshot draft of SCOPE taken at `time` (ms), completed `ms` later. */
export function scopeDraft(id: string, time: number, ms = 1000): SnapshotDraftV2 {
  return {
    id,
    time: new Date(time).toISOString(),
    completedAt: new Date(time + ms).toISOString(),
    source: { kind: "cli" },
    cluster: { version: "v1.34.0" },
    scope: SCOPE.scope,
    params: SCOPE.params,
    warnings: [],
  };
}

/**
 * Deployments of namespace "shop" changing at known times: modifications, deletions, re-creations
 * (new uid, the same YAML as the first incarnation), new objects, and a 410 gap whose
 * intermediate versions the journal never sees. The model keeps every state it passed through.
 */
export class Churn {
  readonly objects = new Map<string, ModelObject>();
  readonly events: ChurnEvent[] = [];
  private readonly states: { time: number; objects: Map<string, ModelObject> }[] = [];
  private incarnations = new Map<string, number>();

  constructor(count: number) {
    for (let i = 0; i < count; i++) this.create(`web-${i}`);
    this.states.push({ time: 0, objects: new Map(this.objects) });
  }

  private create(name: string): ModelObject {
    const incarnation = (this.incarnations.get(name) ?? 0) + 1;
    this.incarnations.set(name, incarnation);
    const ref = {
      group: "apps",
      version: "v1",
      resource: "deployments",
      namespace: NAMESPACE,
      name,
      uid: `${name}-u${incarnation}`,
    };
    const object = { ref, revision: 1, data: deploymentYaml(NAMESPACE, name, 1) };
    this.objects.set(objectKey(ref), object);
    return object;
  }

  private record(time: number, kind: ChangeInput["kind"], object: ModelObject, hidden = false): void {
    const { ref, data, revision } = object;
    this.events.push({
      change: { time, kind, ref, resourceVersion: `rv${this.events.length}.${revision}`, data },
      hidden,
    });
    this.states.push({ time, objects: new Map(this.objects) });
  }

  modify(time: number, name: string, hidden = false): void {
    const old = this.objects.get(objectKey({ group: "apps", resource: "deployments", namespace: NAMESPACE, name }));
    if (!old) throw new Error(`churn: no ${name} to modify`);
    const object = { ...old, revision: old.revision + 1, data: deploymentYaml(NAMESPACE, name, old.revision + 1) };
    this.objects.set(objectKey(object.ref), object);
    this.record(time, "modified", object, hidden);
  }

  /** A relist after a gap records the object as it is now, its hidden versions unseen. */
  relist(time: number, name: string): void {
    const object = this.objects.get(objectKey({ group: "apps", resource: "deployments", namespace: NAMESPACE, name }));
    if (!object) throw new Error(`churn: no ${name} to relist`);
    this.record(time, "modified", object);
  }

  remove(time: number, name: string): void {
    const key = objectKey({ group: "apps", resource: "deployments", namespace: NAMESPACE, name });
    const old = this.objects.get(key);
    if (!old) throw new Error(`churn: no ${name} to delete`);
    this.objects.delete(key);
    this.record(time, "deleted", old);
  }

  add(time: number, name: string): void {
    this.record(time, "added", this.create(name));
  }

  gap(gap: JournalGap): void {
    this.events.push({ gap });
  }

  /** The objects at `time`: objectKey → blob id of their YAML. */
  expectedAt(keys: Format2Keys | null, time: number): Map<string, string> {
    const state = this.states.filter((s) => s.time <= time).at(-1)?.objects ?? new Map<string, ModelObject>();
    return new Map([...state].map(([key, o]) => [key, blobId(keys, o.data)]));
  }

  /** The objects now, as the snapshot writer takes them. */
  snapshotInput(): SnapshotInputObject[] {
    return [...this.objects.values()].map(({ ref, data }) => ({
      record: {
        ...ref,
        kind: "Deployment",
        sha256: createHash("sha256").update(data).digest("hex"),
        bytes: data.length,
      },
      data,
    }));
  }
}

/** A state's objects as objectKey → blob id. */
export function blobsOf(state: JournalState): Map<string, string> {
  return new Map([...state.objects].map(([key, o]) => [key, o.blob]));
}

/**
 * The churn the stateAt tests replay: 12 Deployments at T0 (snapshot 1 from T0 to T0+1s, with one
 * modification at T0+500 ms that it already holds), then 40 events 700 ms apart from T0+2s, a 410
 * gap around event 20 hiding two modifications, and snapshot 2's moment at T0+40s.
 */
export function standardChurn(): { churn: Churn; snapshot1: SnapshotInputObject[]; gap: JournalGap } {
  const churn = new Churn(12);
  churn.modify(T0 + 500, "web-0");
  const snapshot1 = churn.snapshotInput();
  let added = 0;
  const deleted: string[] = [];
  for (let step = 0; step < 40; step++) {
    const time = T0 + 2000 + step * 700;
    const live = [...churn.objects.values()].map((o) => o.ref.name).sort();
    if (step === 20) {
      churn.modify(time - 400, "web-5", true);
      churn.modify(time - 200, "web-5", true);
      churn.gap({ from: time - 500, to: time, reason: "410" });
      churn.relist(time, "web-5");
    } else if (step % 5 === 3) {
      const name = live[(step * 7) % live.length] as string;
      churn.remove(time, name);
      deleted.push(name);
    } else if (step % 5 === 4) {
      const again = deleted.shift();
      churn.add(time, again ?? `api-${added++}`);
    } else churn.modify(time, live[(step * 3) % live.length] as string);
  }
  return { churn, snapshot1, gap: { from: T0 + 2000 + 20 * 700 - 500, to: T0 + 2000 + 20 * 700, reason: "410" } };
}
