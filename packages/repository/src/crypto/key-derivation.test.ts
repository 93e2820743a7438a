import { describe, expect, it } from "vitest";
import { RepositoryFormatError, WrongPasswordError } from "../errors.js";
import type { EncryptionConfig } from "./key-derivation.js";
import { createEncryptionConfig, DEFAULT_SCRYPT, unlockEncryption } from "./key-derivation.js";

const CHEAP = { N: 2 ** 10 };

describe("createEncryptionConfig and unlockEncryption", () => {
  it("records scrypt parameters, a random salt and a key check, and unlocks with the same password", async () => {
    const { config, keys } = await createEncryptionConfig("correct horse", CHEAP);
    expect(config).toEqual({
      kdf: { name: "scrypt", N: 1024, r: 8, p: 1, salt: expect.stringMatching(/^[A-Za-z0-9+/]{43}=$/) },
      cipher: "aes-256-gcm",
      keyCheck: expect.stringMatching(/^[A-Za-z0-9+/]{43}=$/),
    });
    expect((await unlockEncryption("repository.json", "correct horse", config)).dataKey.equals(keys.dataKey)).toBe(
      true,
    );
  });

  it("gives two repositories with one password different keys", async () => {
    const [a, b] = [await createEncryptionConfig("pw", CHEAP), await createEncryptionConfig("pw", CHEAP)];
    expect(a.config.kdf.salt).not.toBe(b.config.kdf.salt);
    expect(a.keys.dataKey.equals(b.keys.dataKey)).toBe(false);
  });

  it("rejects a wrong password with an error that says so, without the password", async () => {
    const { config } = await createEncryptionConfig("correct horse", CHEAP);
    const error = await unlockEncryption("repository.json", "battery staple", config).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(WrongPasswordError);
    expect((error as Error).message).toMatch(/wrong encryption password/);
    expect((error as Error).message).not.toContain("battery");
  });

  it("by default costs 64 MiB of memory", () => {
    expect(128 * DEFAULT_SCRYPT.N * DEFAULT_SCRYPT.r).toBe(64 * 1024 * 1024);
  });

  it.each<[string, (c: EncryptionConfig) => EncryptionConfig, RegExp]>([
    ["N too large for memory", (c) => ({ ...c, kdf: { ...c.kdf, N: 2 ** 24 } }), /unsupported kdf/],
    ["N not a power of two", (c) => ({ ...c, kdf: { ...c.kdf, N: 1000 } }), /unsupported kdf/],
    ["another kdf", (c) => ({ ...c, kdf: { ...c.kdf, name: "argon2id" as "scrypt" } }), /unsupported kdf/],
    ["a huge r", (c) => ({ ...c, kdf: { ...c.kdf, r: 1024 } }), /unsupported scrypt parameters/],
    ["a short salt", (c) => ({ ...c, kdf: { ...c.kdf, salt: "AAAA" } }), /salt too short/],
    ["another cipher", (c) => ({ ...c, cipher: "chacha20" as "aes-256-gcm" }), /unsupported cipher/],
  ])("refuses parameters with %s before deriving anything", async (_label, change, message) => {
    const { config } = await createEncryptionConfig("pw", CHEAP);
    const error = await unlockEncryption("repository.json", "pw", change(config)).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(RepositoryFormatError);
    expect((error as Error).message).toMatch(message);
  });
});
