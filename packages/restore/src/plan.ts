import type { IndexRecord } from "@kubedump/repository/archive";
import { typeKeyOf } from "./keys.js";

export const CRD_TYPE = "customresourcedefinitions.apiextensions.k8s.io";

/**
 * The order in which types are restored, by type key. Modelled on Velero's default restore
 * priorities (`pkg/cmd/server/config/config.go`), with these differences:
 * - workloads go from the top of their ownership chains down (CronJob before Job before Pod), where
 *   Velero puts Pods and ReplicaSets first: kubedump keeps ownerReferences, so an owner must exist
 *   before its dependents can point at its new uid;
 * - NetworkPolicies come before workloads, so that no restored Pod runs unprotected;
 * - Velero's entries for its own and for CSI, Cluster API and Tanzu types are left out: those types
 *   go with everything else, and ownership still puts their owners first.
 * Types not listed here come after it; then RESTORE_LAST.
 */
export const RESTORE_PRIORITIES: readonly string[] = [
  CRD_TYPE, // custom resources need their definition; the caller waits for Established and rediscovers
  "namespaces", // every namespaced object needs its namespace
  "storageclasses.storage.k8s.io", // PersistentVolumes and claims name them
  "priorityclasses.scheduling.k8s.io", // admission rejects a Pod whose class does not exist
  "serviceaccounts", // before the token Secrets that name them and the Pods that run as them
  "secrets", // mounted and referenced by Pods
  "configmaps",
  "limitranges", // admission applies them only to Pods created after them
  "resourcequotas",
  "persistentvolumes", // before the claims that bind to them
  "persistentvolumeclaims", // before the Pods that mount them
  "clusterroles.rbac.authorization.k8s.io", // roles before the bindings that name them
  "clusterrolebindings.rbac.authorization.k8s.io",
  "roles.rbac.authorization.k8s.io",
  "rolebindings.rbac.authorization.k8s.io",
  "networkpolicies.networking.k8s.io",
  "services",
  "cronjobs.batch",
  "deployments.apps",
  "statefulsets.apps",
  "daemonsets.apps",
  "replicationcontrollers",
  "replicasets.apps",
  "jobs.batch",
  "pods",
];

/**
 * Types written after everything else: an admission webhook or policy restored early would judge
 * (and, failing closed while its own service is not up yet, refuse) the writes that follow it.
 */
export const RESTORE_LAST: readonly string[] = [
  "validatingadmissionpolicies.admissionregistration.k8s.io",
  "validatingadmissionpolicybindings.admissionregistration.k8s.io",
  "mutatingwebhookconfigurations.admissionregistration.k8s.io",
  "validatingwebhookconfigurations.admissionregistration.k8s.io",
];

/** The stage of the types neither list names. */
export const OTHER_STAGE = "other";

export interface PlanOptions {
  /** @defaultValue RESTORE_PRIORITIES */
  priorities?: readonly string[];
  /** @defaultValue RESTORE_LAST */
  last?: readonly string[];
}

export interface PlanStep {
  /** The type key of the priority list this step belongs to, OTHER_STAGE, or a type key of the last list. */
  stage: string;
  /** 0, or one more than the depth of an owner in the same stage. */
  depth: number;
  /** The step writes CustomResourceDefinitions: wait until each is Established, then rediscover. */
  awaitEstablished: boolean;
  /** In index order. None owns another, so they can be written concurrently. */
  records: IndexRecord[];
}

/** An ownership cycle in the snapshot, broken by treating `record` as if `owner` did not own it. */
export interface BrokenCycle {
  record: IndexRecord;
  owner: IndexRecord;
  /** Every member of the cycle, from `record` on. */
  cycle: IndexRecord[];
}

export interface RestorePlan {
  steps: PlanStep[];
  cycles: BrokenCycle[];
}

/**
 * Orders records for writing: by stage (the priority list, then the other types, then the last
 * list), owners before their dependents inside and across stages (a dependent moves to its owner's
 * stage when that comes later), and into steps whose records do not own one another. Owners are
 * found by uid among `records`; references to anything else are the caller's to relink.
 */
export function planRestore(records: readonly IndexRecord[], options: PlanOptions = {}): RestorePlan {
  const priorities = options.priorities ?? RESTORE_PRIORITIES;
  const last = options.last ?? RESTORE_LAST;
  const stageNames = [...priorities, OTHER_STAGE, ...last];
  const stageIndex = new Map<string, number>();
  stageNames.forEach((name, i) => {
    if (!stageIndex.has(name)) stageIndex.set(name, i);
  });
  const other = priorities.length;

  const graph = ownershipGraph(records);
  const { order, cycles, ignored } = topologicalOrder(graph);
  const stage = new Array<number>(records.length).fill(0);
  const depth = new Array<number>(records.length).fill(0);
  for (const i of order) {
    const owners = graph.owners[i]!.filter((j) => !ignored.has(edgeKey(i, j)));
    let s = stageIndex.get(typeKeyOf(records[i]!)) ?? other;
    for (const j of owners) s = Math.max(s, stage[j]!);
    let d = 0;
    for (const j of owners) if (stage[j] === s) d = Math.max(d, depth[j]! + 1);
    stage[i] = s;
    depth[i] = d;
  }

  const steps = new Map<string, PlanStep & { order: [number, number] }>();
  records.forEach((record, i) => {
    const key = `${stage[i]}/${depth[i]}`;
    let step = steps.get(key);
    if (!step) {
      const order: [number, number] = [stage[i]!, depth[i]!];
      step = { stage: stageNames[stage[i]!]!, depth: depth[i]!, awaitEstablished: false, records: [], order };
      steps.set(key, step);
    }
    step.records.push(record);
    if (typeKeyOf(record) === CRD_TYPE) step.awaitEstablished = true;
  });
  const sorted = [...steps.values()].sort((a, b) => a.order[0] - b.order[0] || a.order[1] - b.order[1]);
  return {
    steps: sorted.map(({ order: _, ...step }) => step),
    cycles: cycles.map(({ at, owner, members }) => ({
      record: records[at]!,
      owner: records[owner]!,
      cycle: members.map((m) => records[m]!),
    })),
  };
}

interface OwnershipGraph {
  /** owners[i]: indexes of the records that own record i, each once. */
  owners: number[][];
  /** dependents[j]: indexes of the records that record j owns. */
  dependents: number[][];
}

function ownershipGraph(records: readonly IndexRecord[]): OwnershipGraph {
  const byUid = new Map<string, number>();
  records.forEach((r, i) => {
    if (r.uid && !byUid.has(r.uid)) byUid.set(r.uid, i);
  });
  const owners = records.map(() => [] as number[]);
  const dependents = records.map(() => [] as number[]);
  records.forEach((r, i) => {
    for (const ref of r.ownerReferences ?? []) {
      const j = byUid.get(ref.uid);
      if (j === undefined || owners[i]!.includes(j)) continue;
      owners[i]!.push(j);
      dependents[j]!.push(i);
    }
  });
  return { owners, dependents };
}

const edgeKey = (dependent: number, owner: number) => `${dependent}>${owner}`;

interface RawCycle {
  at: number;
  owner: number;
  members: number[];
}

/**
 * Kahn's algorithm in index order. When only cycles are left, the one reached first from the
 * earliest remaining record is broken at its earliest member: that member's edge to its owner in
 * the cycle is ignored. The result depends only on the records and their order.
 */
function topologicalOrder(graph: OwnershipGraph): { order: number[]; cycles: RawCycle[]; ignored: Set<string> } {
  const n = graph.owners.length;
  const pending = graph.owners.map((o) => o.length);
  const done = new Array<boolean>(n).fill(false);
  const order: number[] = [];
  const cycles: RawCycle[] = [];
  const ignored = new Set<string>();
  const queue: number[] = [];
  for (let i = 0; i < n; i++) if (pending[i] === 0) queue.push(i);
  let next = 0; // the earliest record that may not be done yet
  while (order.length < n) {
    if (queue.length === 0) {
      while (done[next]) next++;
      const cycle = findCycle(graph, done, ignored, next);
      cycles.push(cycle);
      ignored.add(edgeKey(cycle.at, cycle.owner));
      if (--pending[cycle.at]! === 0) queue.push(cycle.at);
      continue;
    }
    for (let head = 0; head < queue.length; head++) {
      const j = queue[head]!;
      done[j] = true;
      order.push(j);
      for (const i of graph.dependents[j]!) {
        if (!ignored.has(edgeKey(i, j)) && --pending[i]! === 0) queue.push(i);
      }
    }
    queue.length = 0;
  }
  return { order, cycles, ignored };
}

/** Follows not-done owners from `start` until a record repeats; breaks that cycle at its earliest member. */
function findCycle(
  graph: OwnershipGraph,
  done: readonly boolean[],
  ignored: ReadonlySet<string>,
  start: number,
): RawCycle {
  const path: number[] = [];
  const seenAt = new Map<number, number>();
  let v = start;
  while (!seenAt.has(v)) {
    seenAt.set(v, path.length);
    path.push(v);
    // Every record left has an owner not done by an edge not ignored, or the queue would not be empty.
    const from = v;
    v = graph.owners[from]!.find((j) => !done[j] && !ignored.has(edgeKey(from, j)))!;
  }
  const loop = path.slice(seenAt.get(v));
  const k = loop.indexOf(Math.min(...loop));
  const members = [...loop.slice(k), ...loop.slice(0, k)];
  return { at: members[0]!, owner: members[1] ?? members[0]!, members };
}
