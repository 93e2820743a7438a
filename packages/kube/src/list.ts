import type { KubeClient } from "./client.js";
import { isGone } from "./errors.js";
import { apiVersionOf, collectionPath, type KubeObject, type ResourceType } from "./resources.js";

export const DEFAULT_PAGE_SIZE = 500;
const MAX_RESTARTS = 3;

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Objects per page (default 500). */
  limit?: number;
  /**
   * When a continue token expires (410): start again and skip objects already yielded (default),
   * or throw the 410 — for callers that need one consistent snapshot, like an informer.
   */
  restartOnExpiry?: boolean;
  signal?: AbortSignal;
  /**
   * Items may come without metadata.managedFields, a third of a typical response, where that
   * saves parsing them (listItemPages). For callers that drop them anyway: some may remain.
   */
  omitManagedFields?: boolean;
  /** Start at this continue token (a page of a list read before, e.g. as metadata: PageStart). */
  continue?: string;
  /** Without `continue`: list exactly at this resourceVersion (resourceVersionMatch=Exact). */
  resourceVersion?: string;
}

/** What the generator returns when it is done. */
export interface ListSummary {
  /** The resourceVersion of the (last) list: watch from here. */
  resourceVersion: string;
  /** How often the list started again after its continue token expired. */
  restarts: number;
}

interface ListResponse {
  metadata?: { continue?: string; resourceVersion?: string };
  items?: KubeObject[] | null;
}

/** What ItemPage needs of the uids a list yielded: a Set, or YieldedUids. */
export interface UidSet {
  has(uid: string): boolean;
  add(uid: string): void;
}

/**
 * The uids a list yielded. Until the list restarts, none can come again, so they are only kept
 * (pushing to an array costs a fraction of a Set's add); the first restart puts them in a Set.
 */
export class YieldedUids implements UidSet {
  private readonly kept: string[] = [];
  private set: Set<string> | undefined;

  /** The list started again: from now on, uids already yielded are answered by `has`. */
  restarted(): void {
    this.set ??= new Set(this.kept);
  }

  has(uid: string): boolean {
    return this.set?.has(uid) === true;
  }

  add(uid: string): void {
    if (this.set) this.set.add(uid);
    else this.kept.push(uid);
  }
}

/**
 * A page of a list whose items are parsed one at a time, as they are iterated: the objects of a
 * page never all live at once, and the page read ahead is bytes, not objects: a dump holds less
 * and its young-generation collections copy less (figures: docs/benchmarks.md).
 * Items get their apiVersion and kind, which list responses leave out; objects a restarted list
 * yields again are skipped.
 */
export class ItemPage implements Iterable<KubeObject> {
  /** Item k is body[bounds[2k], bounds[2k+1]), or objects[k] once the body was parsed whole. */
  constructor(
    private readonly body: Buffer,
    private readonly bounds: number[],
    private objects: KubeObject[] | undefined,
    private readonly apiVersion: string,
    private readonly kind: string,
    private readonly seen: UidSet,
    private readonly omitManagedFields = false,
  ) {}

  /** Whether managedFields end at their first "]" (managedFieldsMember), until a guess fails on this page. */
  private guessManagedFieldsEnd = true;

  /** Items in the response, including any a restarted list skips. */
  get length(): number {
    return this.objects ? this.objects.length : this.bounds.length / 2;
  }

  *[Symbol.iterator](): Iterator<KubeObject> {
    for (let k = 0; k < this.length; k++) {
      // the length changes if the page is parsed whole midway
      const obj = this.objects ? this.objects[k] : this.parse(k);
      if (!obj) continue;
      obj.apiVersion = this.apiVersion;
      obj.kind = this.kind;
      const uid = obj.metadata?.uid;
      if (uid) {
        if (this.seen.has(uid)) continue;
        this.seen.add(uid);
      }
      yield obj;
    }
  }

  private parse(k: number): KubeObject | undefined {
    const start = this.bounds[2 * k] as number;
    const end = this.bounds[2 * k + 1] as number;
    const body = this.body;
    try {
      if (!this.omitManagedFields) return JSON.parse(body.toString("utf8", start, end)) as KubeObject;
      const cut = managedFieldsMember(body, start, end, this.guessManagedFieldsEnd);
      if (!cut) return JSON.parse(body.toString("utf8", start, end)) as KubeObject;
      try {
        return JSON.parse(body.toString("utf8", start, cut[0]) + body.toString("utf8", cut[1], end)) as KubeObject;
      } catch (err) {
        if (!(err instanceof SyntaxError) || !this.guessManagedFieldsEnd) throw err;
        // The guessed end was a "]" inside managedFields: cut where the walk finds it, and stop
        // guessing on this page.
        this.guessManagedFieldsEnd = false;
        const exact = managedFieldsMember(body, start, end, false) ?? [start, start];
        return JSON.parse(body.toString("utf8", start, exact[0]) + body.toString("utf8", exact[1], end)) as KubeObject;
      }
    } catch (err) {
      if (!(err instanceof SyntaxError)) throw err;
      // The separator also matched inside an item (a nested object that starts like an item):
      // items before it were whole; from here on, the page parsed in one piece.
      this.objects = parseWhole(body).items ?? [];
      return this.objects[k];
    }
  }
}

const ITEMS = Buffer.from('"items":[');
const METADATA_FIRST = Buffer.from('{"metadata":{');
const MANAGED_FIELDS = Buffer.from('"managedFields"');

/** Whether body[at…] starts with `bytes` (a loop: Buffer.compare's native call costs more for a few bytes). */
function startsWith(body: Buffer, at: number, bytes: Buffer): boolean {
  if (at + bytes.length > body.length) return false;
  for (let j = 0; j < bytes.length; j++) if (body[at + j] !== bytes[j]) return false;
  return true;
}

/**
 * Where the `"managedFields":[…]` member of an item's metadata is, with the comma that joins it
 * to the others, when the item starts with its metadata (a typed object): found by walking
 * metadata's members, so a look-alike inside a string or a nested object is never taken.
 *
 * With `guessEnd`, the array's end is taken to be its first "]" byte, not found by walking its
 * bytes: the API server's entries (strings and fieldsV1 objects) hold no other "]" outside their
 * strings, and few inside. A wrong guess ends the cut inside the array, which leaves an unmatched
 * "[" or a string cut open: the rest cannot parse (ItemPage then cuts again without guessing).
 */
function managedFieldsMember(
  body: Buffer,
  start: number,
  end: number,
  guessEnd: boolean,
): [number, number] | undefined {
  if (end - start < METADATA_FIRST.length || !startsWith(body, start, METADATA_FIRST)) return undefined;
  let i = start + METADATA_FIRST.length;
  while (i < end && body[i] === 0x22) {
    const keyEnd = skipString(body, i, end);
    if (body[keyEnd] !== 0x3a) return undefined;
    if (keyEnd - i === MANAGED_FIELDS.length && startsWith(body, i, MANAGED_FIELDS)) {
      const close = guessEnd && body[keyEnd + 1] === 0x5b ? body.indexOf(0x5d, keyEnd + 2) : -1;
      const valueEnd = close >= 0 && close < end ? close + 1 : skipValue(body, keyEnd + 1, end);
      if (body[i - 1] === 0x2c) return [i - 1, valueEnd];
      return body[valueEnd] === 0x2c ? [i, valueEnd + 1] : [i, valueEnd];
    }
    const valueEnd = skipValue(body, keyEnd + 1, end);
    if (body[valueEnd] !== 0x2c) return undefined;
    i = valueEnd + 1;
  }
  return undefined;
}

/** `i` at a string's opening quote: the index after its closing quote (`end` if it runs past). */
function skipString(body: Buffer, i: number, end: number): number {
  for (i++; i < end; i++) {
    const c = body[i];
    if (c === 0x22) return i + 1;
    if (c === 0x5c) i++;
  }
  return end;
}

/** The index after the compact JSON value at `i` (`end` if it runs past). */
function skipValue(body: Buffer, i: number, end: number): number {
  const c = body[i];
  if (c === 0x22) return skipString(body, i, end);
  let depth = 0;
  for (; i < end; i++) {
    const d = body[i];
    if (d === 0x22) i = skipString(body, i, end) - 1;
    else if (d === 0x7b || d === 0x5b) depth++;
    else if (d === 0x7d || d === 0x5d) {
      if (depth === 0) return i; // the end of a number or literal: the container closes
      if (--depth === 0) return i + 1;
    } else if (d === 0x2c && depth === 0) return i;
  }
  return end;
}

/**
 * A list response read for its metadata, with its items located but not parsed. Items are cut
 * where `},` is followed by the first item's opening (its first key and the next one's name, e.g.
 * `{"metadata":{"name":`): every item of a list starts so, and inside a JSON string that byte
 * sequence cannot occur. A cut inside an item leaves its first part unbalanced, which JSON.parse
 * refuses: ItemPage then parses the page whole. A response of any other shape is parsed whole.
 */
export function readListPage(body: Buffer): {
  metadata: { continue?: string; resourceVersion?: string };
  bounds: number[];
  objects?: KubeObject[];
} {
  const at = body.indexOf(ITEMS);
  let end = body.length;
  while (end > 0 && (body[end - 1] === 0x0a || body[end - 1] === 0x20 || body[end - 1] === 0x0d)) end--;
  // A typed list's fields come in Go's order, metadata first and items last: the body ends in ]}.
  // (An unstructured list sorts its keys, items before metadata: it is parsed whole.)
  const head = at > 0 && body[end - 1] === 0x7d && body[end - 2] === 0x5d ? parseHead(body, at) : undefined;
  if (head?.metadata) {
    const first = at + ITEMS.length;
    const last = end - 2;
    if (first === last) return { metadata: head.metadata, bounds: [] };
    const opening = firstKeys(body, first, last);
    if (opening) {
      const separator = Buffer.concat([Buffer.from("},"), opening]);
      const bounds = [first];
      for (let p = body.indexOf(separator, first); p >= 0 && p < last; p = body.indexOf(separator, p + 2))
        bounds.push(p + 1, p + 2);
      bounds.push(last);
      return { metadata: head.metadata, bounds };
    }
  }
  const page = parseWhole(body);
  return { metadata: page.metadata ?? {}, bounds: [], objects: page.items ?? [] };
}

const parseWhole = (body: Buffer): ListResponse => JSON.parse(body.toString("utf8")) as ListResponse;

/** The list without its items: `{…,"items":[]}`; undefined if that is not JSON. */
function parseHead(body: Buffer, itemsAt: number): ListResponse | undefined {
  try {
    return JSON.parse(`${body.toString("utf8", 0, itemsAt)}"items":[]}`) as ListResponse;
  } catch {
    return undefined;
  }
}

/** The first item's opening up to its second key's colon, e.g. `{"metadata":{"name":`; undefined if unusual. */
function firstKeys(body: Buffer, first: number, last: number): Buffer | undefined {
  if (body[first] !== 0x7b || body[first + 1] !== 0x22) return undefined;
  const one = body.indexOf('":', first + 2);
  if (one < 0 || one >= last) return undefined;
  const two = body.indexOf('":', one + 2);
  if (two < 0 || two >= last) return undefined;
  const opening = body.subarray(first, two + 2);
  // only keys and structure: a quote inside a key or value would make the cut ambiguous
  const inner = opening.toString("latin1");
  return /^\{"[^"\\]+":(?:\{"[^"\\]+"|"[^"\\]*","[^"\\]+"):$/.test(inner) ? opening : undefined;
}

/**
 * Lists one resource type page by page, so memory holds one page at a time. When a continue
 * token expires (410 Gone) the list starts again and objects already yielded are skipped.
 * Items get their apiVersion and kind, which list responses leave out.
 */
export async function* listPages(
  client: KubeClient,
  rt: ResourceType,
  opts: ListOptions = {},
): AsyncGenerator<KubeObject[], ListSummary> {
  const pages = listItemPages(client, rt, opts);
  for (;;) {
    const next = await pages.next();
    if (next.done) return next.value;
    const items = [...next.value];
    if (items.length) yield items;
  }
}

/** `listPages` with pages whose items are parsed as they are iterated (ItemPage). */
export async function* listItemPages(
  client: KubeClient,
  rt: ResourceType,
  opts: ListOptions = {},
): AsyncGenerator<ItemPage, ListSummary> {
  const apiVersion = apiVersionOf(rt.group, rt.version);
  const seen = new YieldedUids();
  const responses = listResponses(client, rt, opts, undefined, (body) => {
    const { metadata, bounds, objects } = readListPage(body);
    return { continue: metadata.continue, resourceVersion: metadata.resourceVersion, body, bounds, objects };
  });
  try {
    for (;;) {
      const next = await responses.next();
      if (next.done) return next.value;
      const { body, bounds, objects } = next.value.page;
      if (next.value.restarts > 0) seen.restarted();
      yield new ItemPage(body, bounds, objects, apiVersion, rt.kind, seen, opts.omitManagedFields);
    }
  } finally {
    await responses.return(undefined as never);
  }
}

/** Where a page of a list starts: the continue token it was asked with, or the list's resourceVersion for the first. */
export interface PageStart {
  continue?: string;
  resourceVersion?: string;
}

/**
 * The pages of a list as `read` makes them of each response body, with where each started and how
 * often the list started again so far; the paging and the restart after an expired continue token
 * (ListOptions.restartOnExpiry) of listItemPages and listMetadataPages. With `continueOf`, which
 * reads a body's continue token alone, the next page is asked for as soon as a body is in, before
 * `read` and the caller's work on the page; a caller that stops early aborts it.
 */
export async function* listResponses<P extends { continue?: string; resourceVersion?: string }>(
  client: KubeClient,
  rt: ResourceType,
  opts: ListOptions,
  accept: string | undefined,
  read: (body: Buffer) => P,
  continueOf?: (body: Buffer) => string | undefined,
): AsyncGenerator<{ page: P; from: PageStart; restarts: number }, ListSummary> {
  const path = collectionPath(rt, opts.namespace);
  let restarts = 0;
  let cont: string | undefined = opts.continue;
  let resourceVersion = "";
  /** The next page, asked for ahead (continueOf): its continue token, its body, and how to stop it. */
  let ahead: { cont: string; body: Promise<Buffer>; stop: AbortController } | undefined;
  const ask = (token: string | undefined, signal = opts.signal) => {
    const query = {
      limit: opts.limit ?? DEFAULT_PAGE_SIZE,
      continue: token,
      labelSelector: opts.labelSelector,
      fieldSelector: opts.fieldSelector,
      ...(token === undefined && opts.resourceVersion
        ? { resourceVersion: opts.resourceVersion, resourceVersionMatch: "Exact" }
        : {}),
    };
    return client.requestBody("GET", path, { query, signal, accept });
  };
  try {
    for (;;) {
      let body: Buffer;
      try {
        const asked = ahead?.cont === cont ? ahead?.body : undefined;
        if (!asked) ahead?.stop.abort(new Error("the listing went on from another page"));
        ahead = undefined;
        body = await (asked ?? ask(cont));
      } catch (err) {
        if (!cont || !isGone(err) || opts.restartOnExpiry === false || restarts >= MAX_RESTARTS) throw err;
        restarts++;
        cont = undefined;
        continue;
      }
      const next = continueOf?.(body);
      if (next) {
        const stop = new AbortController();
        const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;
        ahead = { cont: next, body: ask(next, signal), stop };
        ahead.body.catch(() => {}); // awaited in the next turn, or stopped with the listing
      }
      const page = read(body);
      const from = cont === undefined ? { resourceVersion: page.resourceVersion } : { continue: cont };
      resourceVersion = page.resourceVersion ?? resourceVersion;
      yield { page, from, restarts };
      cont = page.continue || undefined;
      if (!cont) return { resourceVersion, restarts };
    }
  } finally {
    ahead?.stop.abort(new Error("the listing stopped before this page was read"));
  }
}
