import {
  discoverResources,
  type KubeClient,
  type KubeObject,
  KubeUnreachableError,
  listItemPages,
  listPages,
  objectPath,
  type ResourceType,
} from "@kubedump/kube";
import { type IndexRecord, sha256Each } from "@kubedump/repository/archive";
import { pathFor } from "@kubedump/repository/snapshot";
import { type PlanStep, planApplication, TargetNotFoundError } from "./application.js";
import { type CompiledFilters, compileFilters, namespaceFilter } from "./filters.js";
import type { DumpOptions } from "./options.js";
import { prefetch } from "./prefetch.js";
import { reorder, sanitize } from "./sanitize.js";
import { toYaml } from "./serialize.js";

/**
 * Where dumped objects go: the archive parts and the index (see @kubedump/repository), a page of
 * objects at a time. `addObjects` resolves with the part that holds each object, for its record.
 */
export interface DumpSink {
  addObjects(entries: readonly { path: string; data: Buffer }[]): Promise<number[]>;
  addRecords(records: readonly IndexRecord[]): Promise<void>;
}

export interface DumpProgress {
  resource: string;
  resourcesDone: number;
  resourcesTotal: number;
  objects: number;
  bytes: number;
}

export interface DumpDeps {
  client: KubeClient;
  sink: DumpSink;
  onProgress?: (p: DumpProgress) => void;
  /** Aborts between pages (a timeOut, a shutdown); the dump then rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface DumpResult {
  objects: number;
  /** Uncompressed YAML bytes. */
  bytes: number;
  /** Objects per `resource[.group]`. */
  counts: Record<string, number>;
  /** API groups that could not be discovered and resource types that could not be listed. */
  warnings: string[];
  /** Resource types whose listing failed (the backup is then partial). */
  failedResources: string[];
  serverVersion?: string;
}

/** discover → filter → list pages → keep → sanitize → serialize → sink, one resource type at a time. */
export async function runDump(deps: DumpDeps, opts: DumpOptions): Promise<DumpResult> {
  const { client } = deps;
  // A cluster backup limited to a few namespaces lists the namespaces first: alongside discovery.
  const picking =
    opts.scope.type === "cluster" && opts.includeNamespaces?.length ? pickNamespaces(client, opts) : undefined;
  picking?.catch(() => {}); // awaited in clusterPlan; discovery may fail first
  const discovery = await discoverResources(client);
  const filters = compileFilters(opts, discovery.resources);
  const result: DumpResult = {
    objects: 0,
    bytes: 0,
    counts: {},
    failedResources: [],
    serverVersion: discovery.serverVersion,
    warnings: discovery.warnings.map(
      (w) =>
        `API group ${w.groupVersion} could not be discovered, its resources are not in this snapshot: ${w.message}`,
    ),
  };
  const records = new RecordQueue(deps.sink);
  /** Sanitizes, serializes and stores the objects of a page of one type that `keep` lets through. */
  const write = async (objects: Iterable<KubeObject>, rt: ResourceType, keep: (obj: KubeObject) => boolean) => {
    const page: IndexRecord[] = [];
    const entries: { path: string; data: Buffer }[] = [];
    let bytes = 0;
    for (const obj of objects) {
      if (!keep(obj)) continue;
      const uid = obj.metadata.uid ?? "";
      const owners = obj.metadata.ownerReferences;
      const data = toYaml(opts.sanitize === false ? reorder(obj) : sanitize(obj));
      const namespace = rt.namespaced ? obj.metadata.namespace : undefined;
      const path = pathFor({ group: rt.group, resource: rt.resource, namespace, name: obj.metadata.name });
      entries.push({ path, data });
      page.push({
        path,
        group: rt.group,
        version: rt.version,
        resource: rt.resource,
        kind: rt.kind,
        namespace,
        name: obj.metadata.name,
        uid,
        ownerReferences: owners,
        sha256: "",
        bytes: data.length,
        part: 0,
      });
      bytes += data.length;
    }
    if (page.length === 0) return;
    const digests = sha256Each(entries.map((e) => e.data));
    digests.catch(() => {}); // awaited in the record queue
    const parts = await deps.sink.addObjects(entries);
    page.forEach((r, i) => {
      r.part = parts[i] ?? 0;
    });
    await records.add(page, digests);
    result.objects += page.length;
    result.bytes += bytes;
    result.counts[rt.key] = (result.counts[rt.key] ?? 0) + page.length;
  };

  const scope = opts.scope;
  let plan: PlanStep[];
  if (scope.type === "application") {
    const app = await planApplication(client, discovery.resources, filters, scope, opts.pageSize);
    plan = app.plan;
    result.warnings.push(...app.warnings);
  } else if (scope.type === "namespace") {
    const nsType = discovery.resources.find((r) => r.key === "namespaces");
    if (!nsType) throw new TargetNotFoundError("the cluster serves no namespaces resource");
    const ns = await getOrNull(client, nsType, scope.namespace);
    if (!ns) throw new TargetNotFoundError(`namespace "${scope.namespace}" not found`);
    plan = filters.resources.map((rt) => (rt.namespaced ? { rt, namespace: scope.namespace } : { rt }));
    // The namespace itself belongs in its backup, unless cluster-scoped kinds are listed anyway.
    if (!plan.some((p) => p.rt === nsType) && filters.allowsType(nsType))
      await write([ns], nsType, (obj) => filters.keep(obj, nsType));
  } else {
    plan = await clusterPlan(discovery.resources, filters, picking);
  }

  // One stream of pages over the whole plan, one page read ahead across resource types; the first
  // LISTs of the next types go out earlier still (pagesOf).
  const pages = prefetch(
    pagesOf(plan, (step) =>
      listItemPages(client, step.rt, {
        namespace: step.namespace,
        fieldSelector: step.fieldSelector,
        labelSelector: opts.labelSelector,
        limit: opts.pageSize,
        omitManagedFields: opts.sanitize !== false, // sanitize drops them: not parsing them saves a quarter of the parse
      }),
    ),
    READ_AHEAD,
  );
  const listingFailed = (step: PlanStep, error: Error) => {
    const { key } = step.rt;
    if (!result.failedResources.includes(key)) result.failedResources.push(key); // once, also when listed per namespace
    const where = step.namespace ? ` in namespace ${step.namespace}` : "";
    result.warnings.push(
      `listing ${key}${where} failed, its objects${where ? " there" : ""} are not in this snapshot: ${error.message}`,
    );
  };
  let done = 0;
  for await (const item of pages) {
    deps.signal?.throwIfAborted();
    const { step } = item;
    if ("page" in item) {
      const { only, rt } = step;
      try {
        await write(item.page, rt, (obj) => (!only || only.has(obj.metadata.uid ?? "")) && filters.keep(obj, rt));
      } catch (err) {
        // Items are parsed as they are written: a response that is not JSON fails here, not in the LIST.
        if (!(err instanceof SyntaxError)) throw err;
        listingFailed(step, err);
      }
      deps.onProgress?.({
        resource: rt.key,
        resourcesDone: done,
        resourcesTotal: plan.length,
        objects: result.objects,
        bytes: result.bytes,
      });
      continue;
    }
    if ("error" in item) {
      if (item.error instanceof KubeUnreachableError) throw item.error;
      listingFailed(step, item.error as Error);
    }
    done++;
  }
  await records.flush();
  deps.onProgress?.({
    resource: "",
    resourcesDone: done,
    resourcesTotal: plan.length,
    objects: result.objects,
    bytes: result.bytes,
  });
  return result;
}

/**
 * Pages' index records on their way to the sink, each once its objects' digests came back from
 * the compressing thread (sha256Each): the thread that serializes does not wait for them unless
 * more than PAGES_AWAITING_DIGESTS pages do. Records reach the sink in order; the first failure
 * fails every later `add` and the flush.
 */
class RecordQueue {
  private tail: Promise<void> = Promise.resolve();
  private readonly waiting: Promise<void>[] = [];

  constructor(private readonly sink: DumpSink) {}

  async add(page: IndexRecord[], digests: Promise<string[]>): Promise<void> {
    this.tail = this.tail.then(async () => {
      const sha256 = await digests;
      if (sha256.length !== page.length)
        throw new Error(`${sha256.length} digests came back for ${page.length} objects`);
      page.forEach((r, i) => {
        r.sha256 = sha256[i] as string;
      });
      await this.sink.addRecords(page);
    });
    this.tail.catch(() => {}); // reported by the next add or the flush
    this.waiting.push(this.tail);
    if (this.waiting.length > PAGES_AWAITING_DIGESTS) await this.waiting.shift();
  }

  /** Resolves once every record reached the sink. */
  async flush(): Promise<void> {
    this.waiting.length = 0;
    await this.tail;
  }
}

/**
 * includeNamespaces matching at most this many namespaces: list each namespaced type in each of
 * them, not cluster-wide, which for a few namespaces of many is several times faster
 * (docs/benchmarks.md, "What is left"); every namespace costs one LIST per type, though, and
 * those count against the rate limit.
 */
const PER_NAMESPACE_MAX = 3;

/** The core Namespace type, listed before discovery has confirmed it; unused if it does not. */
const NAMESPACES: ResourceType = {
  group: "",
  version: "v1",
  resource: "namespaces",
  kind: "Namespace",
  namespaced: false,
  verbs: ["list"],
  key: "namespaces",
  apiPath: "/api/v1",
};

/**
 * The namespaces includeNamespaces (minus excludeNamespaces) picks, or undefined when there are
 * more than PER_NAMESPACE_MAX of them or they cannot be listed (RBAC): then the plan is
 * cluster-wide, which gives the same result, only slower.
 */
async function pickNamespaces(client: KubeClient, opts: DumpOptions): Promise<string[] | undefined> {
  const allows = namespaceFilter(opts);
  const picked: string[] = [];
  try {
    for await (const page of listPages(client, NAMESPACES, { limit: opts.pageSize })) {
      for (const ns of page) if (allows(ns.metadata.name)) picked.push(ns.metadata.name);
      if (picked.length > PER_NAMESPACE_MAX) return undefined;
    }
  } catch (err) {
    if (err instanceof KubeUnreachableError) throw err;
    return undefined;
  }
  return picked;
}

/**
 * A cluster backup's LISTs: cluster-wide, filtered by `keep`; or, when includeNamespaces picked
 * only a few namespaces, their namespaced types namespace by namespace.
 */
async function clusterPlan(
  all: ResourceType[],
  filters: CompiledFilters,
  picking: Promise<string[] | undefined> | undefined,
): Promise<PlanStep[]> {
  const wide = filters.resources.map((rt) => ({ rt }));
  const picked = await picking;
  if (!picked || !all.some((r) => r.key === NAMESPACES.key && r.apiPath === NAMESPACES.apiPath)) return wide;
  return filters.resources.flatMap((rt) => (rt.namespaced ? picked.map((namespace) => ({ rt, namespace })) : [{ rt }]));
}

/**
 * Pages whose records may wait for their digests while the dump goes on; the compressing thread
 * answers behind the parts' slots it has queued.
 */
const PAGES_AWAITING_DIGESTS = 4;

/** Pages read ahead of the one being written; 2 were no faster and hold one more page (docs/benchmarks.md, "What moved it"). */
const READ_AHEAD = 1;

type PlanItem =
  | { step: PlanStep; page: Iterable<KubeObject> }
  | { step: PlanStep; error: unknown }
  | { step: PlanStep; end: true };

/**
 * Steps whose first LIST goes out ahead of their turn. Most resource types of a cluster are
 * empty, and one after another their LISTs were round trips in sequence (docs/benchmarks.md,
 * "Item by item, and smaller fixes"); a first page held ahead is the response's bytes.
 */
const FIRST_PAGES_AHEAD = 4;

/** The pages of every step in order, each step closed by its end or the error that ended its listing. */
async function* pagesOf(
  plan: readonly PlanStep[],
  list: (step: PlanStep) => AsyncIterable<Iterable<KubeObject>>,
): AsyncGenerator<PlanItem> {
  type Pages = AsyncIterator<Iterable<KubeObject>>;
  /** Steps whose LIST started ahead: their pages, and the first one asked for. */
  const started = new Map<number, { pages: Pages; first: ReturnType<Pages["next"]> }>();
  const start = (i: number) => {
    const pages = list(plan[i] as PlanStep)[Symbol.asyncIterator]();
    const first = pages.next();
    first.catch(() => {}); // handled in its turn; no unhandled rejection if the dump stops before
    started.set(i, { pages, first });
  };
  let current: Pages | undefined;
  try {
    for (let i = 0; i < plan.length; i++) {
      for (let j = i; j < Math.min(plan.length, i + 1 + FIRST_PAGES_AHEAD); j++) if (!started.has(j)) start(j);
      const step = plan[i] as PlanStep;
      const { pages, first } = started.get(i) as { pages: Pages; first: ReturnType<Pages["next"]> };
      started.delete(i);
      current = pages;
      try {
        for (let next = await first; !next.done; next = await pages.next()) yield { step, page: next.value };
      } catch (error) {
        yield { step, error };
        continue;
      }
      current = undefined;
      yield { step, end: true };
    }
  } finally {
    // Stopped early (an error, an abort): the step being read and the LISTs started ahead end.
    await current?.return?.();
    for (const { pages, first } of started.values())
      void first
        .then(
          () => pages.return?.(),
          () => {},
        )
        .catch(() => {});
  }
}

async function getOrNull(
  client: KubeClient,
  rt: ResourceType,
  name: string,
  namespace?: string,
): Promise<KubeObject | null> {
  try {
    return await client.get<KubeObject>(objectPath(rt, name, namespace));
  } catch (err) {
    if ((err as { status?: number }).status === 404) return null;
    throw err;
  }
}
