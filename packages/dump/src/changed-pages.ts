import {
  apiVersionOf,
  DEFAULT_PAGE_SIZE,
  isNotFound,
  KubeApiError,
  type KubeClient,
  type KubeObject,
  type LabelKeys,
  type ListOptions,
  listItemPages,
  listMetadataPages,
  MetadataDecodeError,
  type MetadataListPage,
  objectPath,
  type ResourceType,
} from "@kubedump/kube";
import type { DumpReuse, ReusedBlob } from "./dump-sink.js";

/** GETs of changed objects in flight at once, over the whole dump (docs/benchmarks.md, "Metadata listing"). */
export const GET_CONCURRENCY = 8;
/**
 * A metadata page on which more than this share of the page size changed is read again whole, as
 * one LIST page, instead of by GETs (docs/decisions.md, "Metadata listing").
 */
export const REREAD_SHARE = 1 / 25;

/**
 * A metadata page holds this many times the page size's objects: an item is a few hundred bytes
 * instead of a few kilobytes, and fewer pages take fewer of the client-side rate limit's tokens
 * (docs/decisions.md, "Metadata listing"). A page read again whole has as many objects.
 */
export const METADATA_PAGE_FACTOR = 4;

/** At most `limit` tasks at a time, over every caller. */
export class Gate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((go) => this.waiting.push(go));
    else this.running++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}

/**
 * An object that is only its metadata, made by wholePage for the page writer to reuse, with what
 * the reuse table gave for it once wholePage looked. A class, not a WeakMap of plain objects: a
 * second backup makes one per object it lists, and a WeakMap's entry cost each of them about a
 * microsecond more (docs/benchmarks.md, "Session 2026-12-06 (sixteenth)"). Its private field is
 * not enumerable: nothing that copies or prints an object sees it.
 */
class MetadataStub implements KubeObject {
  [key: string]: unknown;
  #reuse: ReusedBlob | undefined = undefined;

  constructor(
    public apiVersion: string,
    public kind: string,
    public metadata: KubeObject["metadata"],
  ) {}

  static reuseOf(obj: KubeObject): ReusedBlob | undefined {
    return obj instanceof MetadataStub ? obj.#reuse : undefined;
  }

  static found(stub: MetadataStub, reuse: ReusedBlob): void {
    stub.#reuse = reuse;
  }
}

/**
 * Whether `obj` is a metadata stub: the page writer must reuse it from the table, never store it
 * (it lacks the object's spec and data); it refuses to, rather than store a damaged object.
 */
export const isMetadataStub = (obj: KubeObject): boolean => obj instanceof MetadataStub;

/**
 * What the reuse table gave for a stub, when wholePage looked it up, which it does only for a stub
 * that `keep` let through: the page writer asks neither again.
 */
export const stubReuse = (obj: KubeObject): ReusedBlob | undefined => MetadataStub.reuseOf(obj);

/** An object of type `rt` that is only `metadata`, marked as a stub. */
export function metadataStub(rt: ResourceType, metadata: KubeObject["metadata"]): KubeObject {
  return new MetadataStub(apiVersionOf(rt.group, rt.version), rt.kind, metadata);
}

export interface ChangedListing {
  client: KubeClient;
  rt: ResourceType;
  list: ListOptions;
  reuse: DumpReuse;
  /** Whether an object goes into the snapshot (filters, an application's uids): others are not read. */
  keep: (obj: KubeObject) => boolean;
  /** The label keys keep reads: of an object's metadata, only those labels are read (default all). */
  labels?: LabelKeys;
  gets: Gate;
}

/**
 * The pages of one resource type for a backup that has a reuse table: listed as metadata
 * (listMetadataPages); an object the table holds at its uid and resourceVersion stays a stub of
 * its metadata, which the page writer reuses; the others are read whole: by GET (one that is
 * gone by then is left out), or, when many on a page changed, by reading that page again as one
 * full LIST page from where it started. The next metadata page is asked for while a page's
 * changed objects are read. A type whose metadata the server does not serve is listed whole. The
 * pages hold what a full listing's would (docs/decisions.md, "Metadata listing").
 */
export async function* listChanged(listing: ChangedListing): AsyncGenerator<Iterable<KubeObject>> {
  const { client, rt, list } = listing;
  const pages = listMetadataPages(client, rt, metadataList(list), listing.labels);
  let page: IteratorResult<MetadataListPage>;
  try {
    page = await pages.next();
  } catch (err) {
    if (!refused(err)) throw err;
    yield* listItemPages(client, rt, list);
    return;
  }
  while (!page.done) {
    const reading = wholePage(listing, page.value);
    const following = pages.next();
    following.catch(() => {}); // awaited once this page is yielded; not unhandled if that fails first
    yield await reading;
    page = await following;
  }
}

const metadataList = (list: ListOptions) => ({
  ...list,
  limit: (list.limit ?? DEFAULT_PAGE_SIZE) * METADATA_PAGE_FACTOR,
});

/** 406/415: the server does not serve this type as PartialObjectMetadataList protobuf; or it answered something else. */
const refused = (err: unknown) =>
  err instanceof MetadataDecodeError || (err instanceof KubeApiError && (err.status === 406 || err.status === 415));

/** A metadata page with its changed objects read whole, in the page's order. */
async function wholePage(listing: ChangedListing, page: MetadataListPage): Promise<KubeObject[]> {
  const { rt, reuse, keep } = listing;
  const { group, version, resource } = rt;
  const apiVersion = apiVersionOf(group, version);
  const objects: (KubeObject | undefined)[] = page.items.map(
    (metadata) => new MetadataStub(apiVersion, rt.kind, metadata),
  );
  const changed: number[] = [];
  for (let i = 0; i < objects.length; i++) {
    const obj = objects[i] as MetadataStub;
    if (!keep(obj)) continue;
    const { uid, resourceVersion } = obj.metadata;
    // the page writer takes this answer (stubReuse), and so reuses this stub
    const stored = uid && resourceVersion ? reuse.find({ group, version, resource, uid }, resourceVersion) : undefined;
    if (stored) MetadataStub.found(obj, stored);
    else changed.push(i);
  }
  if (changed.length === 0) return objects as KubeObject[];
  const limit = metadataList(listing.list).limit;
  if (changed.length > limit * REREAD_SHARE) {
    const whole = await reread(listing, page);
    if (whole) return whole;
  }
  await Promise.all(
    changed.map((i) =>
      listing.gets.run(async () => {
        objects[i] = await getChanged(listing, (objects[i] as KubeObject).metadata);
      }),
    ),
  );
  return objects.filter((obj): obj is KubeObject => obj !== undefined);
}

/**
 * An object by name, or undefined when it is gone. The GET takes no rate-limit token: its metadata
 * page took one. It asks for the object not older than the resourceVersion its metadata page gave,
 * which the API server serves from its watch cache instead of reading etcd (docs/benchmarks.md,
 * "The second backup, a fourth session"): the object as it was then or later, as a full listing
 * would have given it. When the cache is behind that version (504), it asks for the newest.
 */
async function getChanged(listing: ChangedListing, meta: KubeObject["metadata"]): Promise<KubeObject | undefined> {
  const { client, rt, list } = listing;
  const path = objectPath(rt, meta.name, rt.namespaced ? meta.namespace : undefined);
  const get = (query?: { resourceVersion: string }) =>
    client.requestBody("GET", path, { tokens: 0, signal: list.signal, query });
  const { resourceVersion } = meta;
  try {
    const body = await (resourceVersion ? get({ resourceVersion }).catch(newestIfBehind(get)) : get());
    return JSON.parse(body.toString("utf8")) as KubeObject;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** A 504 to a GET not older than a resourceVersion: the watch cache is behind it; the newest is asked for. */
const newestIfBehind = (get: () => Promise<Buffer>) => (err: unknown) => {
  if (err instanceof KubeApiError && err.status === 504) return get();
  throw err;
};

/**
 * The page's objects whole, read again from where the metadata page started (its continue token
 * or, for the first, its resourceVersion exactly); undefined when that fails or gives other objects.
 */
async function reread(listing: ChangedListing, page: MetadataListPage): Promise<KubeObject[] | undefined> {
  const { client, rt, list } = listing;
  const { continue: cont, resourceVersion } = page.from;
  if (!cont && !resourceVersion) return undefined;
  const from = { ...metadataList(list), continue: cont, resourceVersion, restartOnExpiry: false };
  try {
    for await (const first of listItemPages(client, rt, from)) {
      const objects = [...first];
      const same =
        objects.length === page.items.length && objects.every((obj, i) => obj.metadata.uid === page.items[i]?.uid);
      return same ? objects : undefined;
    }
    return undefined;
  } catch (err) {
    if (err instanceof KubeApiError) return undefined;
    throw err;
  }
}
