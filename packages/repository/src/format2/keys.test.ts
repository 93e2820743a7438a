import { createHash, createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { blobId, deriveFormat2Keys, open, seal } from "./keys.js";
import { TEST_KEYS } from "./test-support.js";

const YAML = Buffer.from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n");
const sha256 = createHash("sha256").update(YAML).digest("hex");

describe("format 2 blob ids", () => {
  it("is the sha256 of the plaintext in an unencrypted repository", () => {
    expect(blobId(null, YAML)).toBe(sha256);
  });

  it("is an HMAC-SHA256 under a key derived from the data key when encrypted, revealing no sha256", () => {
    const id = blobId(TEST_KEYS, YAML);
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(id).not.toBe(sha256);
    expect(id).toBe(createHmac("sha256", TEST_KEYS.idKey).update(YAML).digest("hex"));
    expect(blobId(TEST_KEYS, Buffer.from(YAML))).toBe(id);
  });

  it("differs between repositories with different data keys", () => {
    const other = deriveFormat2Keys(Buffer.alloc(32, 8));
    expect(blobId(other, YAML)).not.toBe(blobId(TEST_KEYS, YAML));
    expect(other.idKey.equals(other.sealKey)).toBe(false);
  });
});

describe("format 2 sealed boxes", () => {
  const aad = Buffer.from("aad");

  it("opens what it sealed, and the ciphertext does not hold the plaintext", () => {
    const box = seal(TEST_KEYS, YAML, aad);
    expect(box.includes(Buffer.from("ConfigMap"))).toBe(false);
    expect(open(TEST_KEYS, box, aad)?.equals(YAML)).toBe(true);
  });

  it.each([
    ["a flipped byte", (box: Buffer) => Object.assign(Buffer.from(box), { [20]: (box[20] ?? 0) ^ 1 }), aad],
    ["a truncated box", (box: Buffer) => box.subarray(0, box.length - 1), aad],
    ["other associated data", (box: Buffer) => box, Buffer.from("other")],
  ])("refuses %s", (_, change, openAad) => {
    expect(open(TEST_KEYS, change(seal(TEST_KEYS, YAML, aad)), openAad)).toBeUndefined();
  });
});
