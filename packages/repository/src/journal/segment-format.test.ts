// Journal segments as stored: encrypted ones reveal no name, uid, resourceVersion or hash (on
// MinIO, read with a bare client); damaged, moved or renamed segments are refused by name.
import { createHash } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import { IntegrityError, RepositoryFormatError } from "../errors.js";
import { blobId, deriveFormat2Keys } from "../format2/keys.js";
import { TEST_KEYS } from "../format2/test-support.js";
import { createS3ObjectStore } from "../stores/s3-object-store.js";
import { rawS3Objects, s3TestOptions } from "../test-support.js";
import { openJournalKeys } from "./journal-keys.js";
import { JournalReader } from "./journal-reader.js";
import { JournalWriter } from "./journal-writer.js";
import { parseSegmentKey, scopeIdOf, segmentKey } from "./layout.js";
import type { JournalRecord } from "./records.js";
import { decodeSegment, encodeSegment } from "./segment-format.js";
import { Churn, SCOPE, T0 } from "./test-support.js";

const env = inject("testenv");
const BUCKET = "kubedump-journal";

function churnChanges() {
  const churn = new Churn(6);
  churn.modify(T0 + 1000, "web-1");
  churn.remove(T0 + 2000, "web-2");
  churn.add(T0 + 3000, "web-2");
  return churn.events.flatMap((e) => ("change" in e ? [e.change] : []));
}

describe("encrypted journal segments on MinIO", () => {
  it("reveal no object name, uid, resourceVersion, scope or plaintext hash, in bytes or keys", async () => {
    const store = createS3ObjectStore(s3TestOptions(env, BUCKET, "journal-enc"));
    const keys = await openJournalKeys({ store, password: "pw", kdf: { N: 2 ** 12 } });
    expect(keys).not.toBeNull();
    const writer = new JournalWriter({ store, keys, scope: SCOPE, flushEveryChanges: 2 });
    const changes = churnChanges();
    for (const change of changes) await writer.append(change);
    await writer.appendGap({ from: T0 + 3500, to: T0 + 4000, reason: "takeover" });
    await writer.close();

    const raw = await rawS3Objects(env, BUCKET, store.prefix);
    const segments = [...raw.keys()].filter((k) => k.includes("/journal/"));
    expect(segments.length).toBe(2);
    const needles = ["shop", "deployments", "takeover", scopeIdOf(null, SCOPE)];
    for (const { ref, resourceVersion, data } of changes) {
      const sha256 = createHash("sha256")
        .update(data as Buffer)
        .digest("hex");
      needles.push(ref.name, ref.uid, resourceVersion, sha256, blobId(null, data as Buffer));
    }
    const hashes = changes.map(({ data }) =>
      createHash("sha256")
        .update(data as Buffer)
        .digest(),
    );
    for (const [key, bytes] of raw) {
      for (const needle of needles) expect(bytes.includes(needle), `${needle} in ${key}`).toBe(false);
      for (const hash of hashes) expect(bytes.includes(hash), `a raw sha256 in ${key}`).toBe(false);
      for (const needle of needles) expect(key.includes(needle), `${needle} in key ${key}`).toBe(false);
    }
    const back = await new JournalReader({ store, keys, scope: SCOPE }).slice();
    expect(back.changes.map((c) => c.ref.uid)).toEqual(changes.map((c) => c.ref.uid));
    expect(back.gaps).toEqual([{ from: T0 + 3500, to: T0 + 4000, reason: "takeover" }]);
  });
});

/** A copy of `bytes` with byte `at` inverted, so it differs whatever it held. */
function flipped(bytes: Buffer, at: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[at] = (copy[at] as number) ^ 0xff;
  return copy;
}

describe("journal segment bytes", () => {
  const records: JournalRecord[] = churnChanges().map(({ data, ...change }) => ({
    type: "change",
    ...change,
    blob: blobId(TEST_KEYS, data as Buffer),
  }));
  const scopeId = scopeIdOf(TEST_KEYS, SCOPE);
  const { body, id, data } = encodeSegment(TEST_KEYS, scopeId, records);
  const info = parseSegmentKey(segmentKey(scopeId, body.start, body.end, id));

  it("read back as written, in time order", () => {
    expect(info).toBeDefined();
    const shuffled = encodeSegment(TEST_KEYS, scopeId, [...records].reverse());
    expect(shuffled.body.records.map((r) => (r.type === "change" ? r.time : -1))).toEqual(
      records.map((r) => (r.type === "change" ? r.time : -1)),
    );
    expect(info && decodeSegment(TEST_KEYS, info, data).records).toEqual(records);
  });

  it.each([
    ["one byte changed", () => [{ ...info }, flipped(data, 40)], IntegrityError, /hash to its id/],
    [
      "the wrong keys",
      () => [{ ...info }, data, deriveFormat2Keys(Buffer.alloc(32, 9))],
      IntegrityError,
      /authentication failed/,
    ],
    [
      "moved to another scope",
      () => [{ ...info, scopeId: scopeIdOf(TEST_KEYS, { ...SCOPE, params: {} }) }, data],
      RepositoryFormatError,
      /scope/,
    ],
    ["renamed to other times", () => [{ ...info, end: body.end + 1 }, data], RepositoryFormatError, /start or end/],
  ])("refused when %s, naming its key", (_, make, type, message) => {
    const [where, bytes, keys] = make() as [typeof info, Buffer, typeof TEST_KEYS | undefined];
    const decode = () => decodeSegment(keys ?? TEST_KEYS, where as NonNullable<typeof info>, bytes);
    expect(decode).toThrow(type);
    expect(decode).toThrow(message);
    expect(decode).toThrow(info?.key.slice(0, 20));
  });
});
