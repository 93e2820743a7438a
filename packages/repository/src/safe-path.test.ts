import { describe, expect, it } from "vitest";
import { InvalidObjectKeyError, UnsafePathError } from "./errors.js";
import { checkArchivePath, segmentProblem } from "./safe-path.js";
import { checkKey } from "./stores/object-key.js";

/** The rule, segment by segment. */
const safe = (path: string): boolean =>
  path !== "" && !path.includes("\0") && path.split("/").every((s) => s !== "" && s !== "." && s !== "..");

/** Object-store keys follow the same rule (plus a reserved prefix none of these strings has). */
const keyAccepted = (path: string): boolean => {
  try {
    return checkKey(path) === path;
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidObjectKeyError);
    return false;
  }
};

describe("checkArchivePath", () => {
  it("accepts exactly the paths whose segments are all non-empty and neither . nor .., for every string up to 7 characters of a . / NUL; object keys and single segments follow the same rule", () => {
    const alphabet = ["a", ".", "/", "\0"];
    let strings = [""];
    let checked = 0;
    for (let length = 0; length <= 7; length += 1) {
      for (const path of strings) {
        let accepted: boolean;
        try {
          accepted = checkArchivePath(path) === path;
        } catch (err) {
          expect(err).toBeInstanceOf(UnsafePathError);
          accepted = false;
        }
        if (accepted !== safe(path))
          expect.fail(`${JSON.stringify(path)}: accepted ${accepted}, expected ${safe(path)}`);
        if (keyAccepted(path) !== accepted) expect.fail(`${JSON.stringify(path)}: checkKey disagrees`);
        if ((segmentProblem(path) === undefined) !== (accepted && !path.includes("/")))
          expect.fail(`${JSON.stringify(path)}: segmentProblem disagrees`);
        checked += 1;
      }
      strings = strings.flatMap((s) => alphabet.map((c) => s + c));
    }
    expect(checked).toBe((4 ** 8 - 1) / 3);
  });

  it("names what is wrong", () => {
    expect(() => checkArchivePath("")).toThrow(/empty/);
    expect(() => checkArchivePath("/etc/passwd")).toThrow(/absolute/);
    expect(() => checkArchivePath("a\0b")).toThrow(/NUL/);
    expect(() => checkArchivePath("namespaces/../../x.yaml")).toThrow(/segment "\.\." not allowed/);
    expect(() => checkArchivePath("a//b")).toThrow(/segment "" not allowed/);
    expect(checkArchivePath("namespaces/app/configmaps.example.com/..hidden.yaml")).toBe(
      "namespaces/app/configmaps.example.com/..hidden.yaml",
    );
  });
});
