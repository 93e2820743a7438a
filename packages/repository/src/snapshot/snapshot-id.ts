import { randomBytes } from "node:crypto";

const SNAPSHOT_ID = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z-[0-9a-f]{8}$/;
const SUFFIX = /^[0-9a-f]{8}$/;

/**
 * A snapshot id: `20261126T020000Z-<8 lowercase hex>`. Ids sort by time (UTC, second precision).
 * Pass `random` (8 lowercase hex) to make the id deterministic, e.g. derived from a session uid,
 * so a retried backup writes the same snapshot.
 */
export function newSnapshotId(date: Date, random?: string): string {
  const time = date.getTime();
  if (Number.isNaN(time)) throw new TypeError("newSnapshotId: invalid date");
  const suffix = random ?? randomBytes(4).toString("hex");
  if (!SUFFIX.test(suffix)) {
    throw new TypeError(`newSnapshotId: random part must be 8 lowercase hex digits, got "${suffix}"`);
  }
  const stamp = date.toISOString().slice(0, 19).replace(/[-:]/g, "");
  if (stamp.length !== 15) throw new TypeError(`newSnapshotId: year out of range in ${date.toISOString()}`);
  return `${stamp}Z-${suffix}`;
}

/** True when `value` is a well-formed snapshot id naming a real calendar time. */
export function isSnapshotId(value: unknown): value is string {
  if (typeof value !== "string") return false;
  const m = SNAPSHOT_ID.exec(value);
  if (!m) return false;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return (
    date.getUTCFullYear() === y &&
    date.getUTCMonth() === mo - 1 &&
    date.getUTCDate() === d &&
    date.getUTCHours() === h &&
    date.getUTCMinutes() === mi &&
    date.getUTCSeconds() === s
  );
}
