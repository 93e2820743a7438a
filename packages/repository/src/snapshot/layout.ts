import { UnsafePathError } from "../errors.js";
import { segmentProblem } from "../safe-path.js";
import { isSnapshotId } from "./snapshot-id.js";

/**
 * Every object-store key and every in-archive path is built here and nowhere else.
 *
 * ```
 * repository.json
 * snapshots/<id>/snapshot.json        the commit marker, written last
 * snapshots/<id>/index.json.gz
 * snapshots/<id>/parts/<n>.tar.gz     n zero-padded to 5 digits: listing order is part order
 * ```
 */
export const REPOSITORY_KEY = "repository.json";
export const SNAPSHOTS_PREFIX = "snapshots/";

const PART_DIGITS = 5;
/** The highest part number a snapshot may have. */
export const MAX_PART = 10 ** PART_DIGITS - 1;

function checkId(id: string): string {
  if (!isSnapshotId(id)) throw new TypeError(`not a snapshot id: "${id}"`);
  return id;
}

/** The prefix that holds everything of one snapshot, ending in `/`. */
export function snapshotPrefix(id: string): string {
  return `${SNAPSHOTS_PREFIX}${checkId(id)}/`;
}

export function snapshotManifestKey(id: string): string {
  return `${snapshotPrefix(id)}snapshot.json`;
}

export function snapshotIndexKey(id: string): string {
  return `${snapshotPrefix(id)}index.json.gz`;
}

/** `00042.tar.gz`: the file name of part n, in the store and in a scratch directory alike. */
export function partFileName(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > MAX_PART) {
    throw new RangeError(`part number must be an integer from 0 to ${MAX_PART}, got ${n}`);
  }
  return `${String(n).padStart(PART_DIGITS, "0")}.tar.gz`;
}

/** The directory (in a scratch dir) or key segment that holds the part files. */
export const PARTS_DIR = "parts";

export function snapshotPartKey(id: string, n: number): string {
  return `${snapshotPrefix(id)}${PARTS_DIR}/${partFileName(n)}`;
}

/** The snapshot id a key belongs to, or undefined for keys outside `snapshots/<valid id>/`. */
export function snapshotIdOfKey(key: string): string | undefined {
  if (!key.startsWith(SNAPSHOTS_PREFIX)) return undefined;
  const slash = key.indexOf("/", SNAPSHOTS_PREFIX.length);
  if (slash < 0) return undefined;
  const id = key.slice(SNAPSHOTS_PREFIX.length, slash);
  return isSnapshotId(id) ? id : undefined;
}

/** What identifies one Kubernetes object's place in the archive. */
export interface ObjectCoordinates {
  /** API group; "" for the core group. */
  group: string;
  /** Plural resource name, e.g. `deployments`. */
  resource: string;
  /** Omitted (or "") for cluster-scoped objects. */
  namespace?: string;
  name: string;
}

function checkSegment(what: string, value: string): void {
  const problem = segmentProblem(value);
  if (problem !== undefined) throw new TypeError(`invalid ${what} for an archive path: "${value}" (${problem})`);
}

/**
 * `cluster/<resource>[.<group>]/<name>.yaml` or `namespaces/<ns>/<resource>[.<group>]/<name>.yaml`.
 * The core group has no suffix, so `events` and `events.events.k8s.io` stay apart. Names keep
 * characters such as `:` as they are.
 */
export function pathFor(object: ObjectCoordinates): string {
  checkCoordinates(object);
  const kind = resourceKey(object);
  if (object.namespace === undefined || object.namespace === "") return `cluster/${kind}/${object.name}.yaml`;
  return `namespaces/${object.namespace}/${kind}/${object.name}.yaml`;
}

/**
 * Throws the TypeError pathFor would for these coordinates, without making the path: for what
 * keeps an object by its coordinates alone (a format-2 tree), whose path is made only if read.
 */
export function checkCoordinates(object: ObjectCoordinates): void {
  checkSegment("resource", object.resource);
  if (object.group !== "") checkSegment("group", object.group);
  checkSegment("name", object.name);
  if (object.namespace !== undefined && object.namespace !== "") checkSegment("namespace", object.namespace);
}

/** The `counts` key of a resource: `<resource>[.<group>]`, as in archive paths. */
export function resourceKey(object: Pick<ObjectCoordinates, "group" | "resource">): string {
  return object.group === "" ? object.resource : `${object.resource}.${object.group}`;
}

/** `cluster/<r>/<name>.yaml` or `namespaces/<ns>/<r>/<name>.yaml`: every path pathFor builds has this shape. */
const LAYOUT_SHAPE = /^(?:cluster\/[^/]+|namespaces\/[^/]+\/[^/]+)\/[^/]+\.yaml$/;

/**
 * Checks that an archive path has the shape of the layout (a safe path, see safe-path.ts, is
 * assumed); throws UnsafePathError otherwise. So a download makes only directories of the layout
 * and no file sits where another entry needs a directory.
 */
export function checkLayoutShape(path: string): void {
  if (!LAYOUT_SHAPE.test(path)) {
    throw new UnsafePathError(
      path,
      "not a path of the layout (cluster/<resource>/<name>.yaml or namespaces/<namespace>/<resource>/<name>.yaml)",
    );
  }
}
