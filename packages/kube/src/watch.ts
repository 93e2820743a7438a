import type { Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import type { KubeClient } from "./client.js";
import { KubeApiError, KubeUnreachableError, KubeWatchError } from "./errors.js";
import { apiVersionOf, collectionPath, type KubeObject, type ResourceType } from "./resources.js";

/** client-go watches for 5–10 minutes, then starts a new watch from the last resourceVersion. */
export const DEFAULT_WATCH_TIMEOUT_SECONDS = 300;
/** A stream silent for this long past its timeoutSeconds counts as dropped. */
const IDLE_GRACE_SECONDS = 60;

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK";

/** One change; for BOOKMARK the object carries only `metadata.resourceVersion`. */
export interface WatchEvent<T extends KubeObject = KubeObject> {
  type: WatchEventType;
  object: T;
}

export interface WatchOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Deliver changes after this version (a list's, or the last event's); omitted: from now. */
  resourceVersion?: string;
  /** The server ends the watch after this long (default 300); the stream then simply ends. */
  timeoutSeconds?: number;
  /** Ends the watch: the generator throws the abort reason and the socket is closed. */
  signal?: AbortSignal;
}

interface RawEvent {
  type?: string;
  object?: { kind?: string; code?: number; reason?: string; message?: string; metadata?: unknown };
}

/**
 * Watches one resource type (in one namespace or all): a streaming GET of newline-delimited JSON
 * events, with bookmarks. The generator ends when the server closes the watch (timeoutSeconds).
 * An ERROR event throws a KubeApiError with its code — 410 when the resourceVersion is too old
 * (see `isGone`); a dropped connection throws KubeUnreachableError.
 */
export async function* watchEvents<T extends KubeObject = KubeObject>(
  client: KubeClient,
  rt: ResourceType,
  opts: WatchOptions = {},
): AsyncGenerator<WatchEvent<T>, void> {
  const path = collectionPath(rt, opts.namespace);
  const timeoutSeconds = opts.timeoutSeconds ?? DEFAULT_WATCH_TIMEOUT_SECONDS;
  const query = {
    watch: 1,
    resourceVersion: opts.resourceVersion,
    allowWatchBookmarks: true,
    timeoutSeconds,
    labelSelector: opts.labelSelector,
    fieldSelector: opts.fieldSelector,
  };
  const body = await client.stream(path, {
    query,
    signal: opts.signal,
    idleTimeoutMs: (timeoutSeconds + IDLE_GRACE_SECONDS) * 1000,
  });
  const apiVersion = apiVersionOf(rt.group, rt.version);
  try {
    for await (const line of lines(body, path, opts.signal)) {
      const event = parseEvent<T>(line, path);
      if (event.type !== "BOOKMARK") {
        event.object.apiVersion ??= apiVersion;
        event.object.kind ??= rt.kind;
      }
      yield event;
    }
  } finally {
    body.destroy();
  }
}

/** The stream's lines; a broken stream throws KubeUnreachableError (or the abort reason). */
async function* lines(body: Readable, path: string, signal?: AbortSignal): AsyncGenerator<string> {
  const decoder = new StringDecoder("utf8");
  let rest = "";
  try {
    for await (const chunk of body) {
      rest += decoder.write(chunk as Buffer);
      for (let i = rest.indexOf("\n"); i >= 0; i = rest.indexOf("\n")) {
        const line = rest.slice(0, i).trim();
        rest = rest.slice(i + 1);
        if (line) yield line;
      }
    }
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    throw new KubeUnreachableError(`watch ${path}: connection dropped: ${(err as Error).message}`, { cause: err });
  }
  rest = (rest + decoder.end()).trim();
  if (rest) yield rest;
}

function parseEvent<T extends KubeObject>(line: string, path: string): WatchEvent<T> {
  let raw: RawEvent;
  try {
    raw = JSON.parse(line) as RawEvent;
  } catch (err) {
    throw new KubeWatchError(`watch ${path}: not a JSON event: ${line.slice(0, 200)}`, { cause: err });
  }
  const { type, object } = raw;
  if (type === "ERROR") {
    const code = typeof object?.code === "number" ? object.code : 500;
    const reason = object?.reason ?? "";
    throw new KubeApiError(
      code,
      reason,
      `watch ${path}: ${code} ${reason} ${object?.message ?? ""}`.replace(/\s+/g, " ").trim(),
    );
  }
  if ((type === "ADDED" || type === "MODIFIED" || type === "DELETED" || type === "BOOKMARK") && isObject(object)) {
    return { type, object: object as unknown as T };
  }
  throw new KubeWatchError(`watch ${path}: unknown event: ${line.slice(0, 200)}`);
}

const isObject = (o: RawEvent["object"]): boolean =>
  typeof o === "object" && o !== null && typeof o.metadata === "object" && o.metadata !== null;
