import { hash } from "node:crypto";

/*
 * Tree nodes are canonical JSON, so equal content always gives equal bytes and so equal blob ids:
 * UTF-8, no whitespace, object keys sorted by code point, absent optional fields left out (never
 * null), strings escaped as JSON.stringify escapes them, whole numbers only. Lists of named
 * entries are sorted by name in code-point order (which is the order of their UTF-8 bytes).
 */

export type CanonicalValue =
  | string
  | number
  | boolean
  | CanonicalValue[]
  | { [key: string]: CanonicalValue | undefined };

function encode(value: CanonicalValue): string {
  if (Array.isArray(value)) return `[${value.map(encode).join(",")}]`;
  if (typeof value === "object") {
    const keys = sortByName(
      Object.keys(value).filter((key) => value[key] !== undefined),
      (key) => key,
    );
    const fields = keys.map((key) => `${JSON.stringify(key)}:${encode(value[key] as CanonicalValue)}`);
    return `{${fields.join(",")}}`;
  }
  if (typeof value === "number" && !Number.isSafeInteger(value)) throw new TypeError(`not a whole number: ${value}`);
  return JSON.stringify(value);
}

/** The canonical bytes of `value`. */
export function canonicalJson(value: CanonicalValue): Buffer {
  return Buffer.from(encode(value), "utf8");
}

/** The canonical JSON of `value` as a string (canonicalJson's bytes are its UTF-8). */
export function canonicalText(value: CanonicalValue): string {
  return encode(value);
}

const SURROGATE = /[\uD800-\uDFFF]/;

/** Code-point order; JavaScript's own string order differs from it only around surrogate pairs. */
export function compareNames(a: string, b: string): number {
  if (SURROGATE.test(a) || SURROGATE.test(b)) return Buffer.compare(Buffer.from(a), Buffer.from(b));
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Whether `names` are strictly ascending in code-point order (compareNames): each name tested
 * for surrogates once, not twice per comparison.
 */
export function namesAscending(names: readonly string[]): boolean {
  if (names.some((name) => SURROGATE.test(name)))
    return names.every((name, i) => i === 0 || compareNames(names[i - 1] as string, name) < 0);
  return names.every((name, i) => i === 0 || (names[i - 1] as string) < name);
}

/**
 * Sorts `items` in place by `nameOf` in code-point order (compareNames). Without surrogates,
 * JavaScript's own string order is that order, so each comparison skips compareNames' test.
 */
export function sortByName<T>(items: T[], nameOf: (item: T) => string): T[] {
  if (items.some((item) => SURROGATE.test(nameOf(item))))
    return items.sort((a, b) => compareNames(nameOf(a), nameOf(b)));
  return items.sort((a, b) => {
    const [x, y] = [nameOf(a), nameOf(b)];
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/**
 * An object ends a chunk of a type node when the first four bytes of sha256(name), as a u32 BE,
 * are a multiple of CHUNK_DIVISOR: chunk borders depend on names alone, so changing an object
 * rewrites only its chunk, and adding or removing one rewrites at most two.
 * @defaultValue 8 (chunks of 8 objects on average)
 */
export const CHUNK_DIVISOR = 8;
/** A chunk also ends at this many objects. @defaultValue 64 */
export const MAX_CHUNK_OBJECTS = 64;

export function endsChunk(name: string): boolean {
  // the first four bytes, big-endian, read from a hex digest: cheaper than a buffer digest
  return Number.parseInt(hash("sha256", name, "hex").slice(0, 8), 16) % CHUNK_DIVISOR === 0;
}

/** `sorted` cut into chunks at the borders endsChunk and MAX_CHUNK_OBJECTS set. */
export function chunksOf<T extends { name: string }>(sorted: readonly T[]): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  for (const item of sorted) {
    current.push(item);
    if (endsChunk(item.name) || current.length === MAX_CHUNK_OBJECTS) {
      chunks.push(current);
      current = [];
    }
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
