// When GetObjectLockConfiguration's error means "no lock": deletes of a Repository that asked for
// no lock must not fail because the store refuses or lacks that call.
import { describe, expect, it } from "vitest";
import { lockConfigAbsent } from "./s3-object-lock.js";

const withCode = (code: string) => Object.assign(new Error(code), { code });

describe("lockConfigAbsent", () => {
  it.each(["ObjectLockConfigurationNotFoundError", "NoSuchBucket"])("%s: no lock, asked for or not", (code) => {
    expect(lockConfigAbsent(withCode(code), true)).toBe(true);
    expect(lockConfigAbsent(withCode(code), false)).toBe(true);
  });

  it.each(["AccessDenied", "NotImplemented", "MethodNotAllowed"])(
    "%s: no lock when none was asked for; an error when the Repository asks for one",
    (code) => {
      expect(lockConfigAbsent(withCode(code), false)).toBe(true);
      expect(lockConfigAbsent(withCode(code), true)).toBe(false);
    },
  );

  it("keeps other errors errors", () => {
    expect(lockConfigAbsent(withCode("InternalError"), false)).toBe(false);
    expect(lockConfigAbsent(new Error("socket hang up"), false)).toBe(false);
  });
});
