// Property tests of the validators of outside input: task params and the CRDs' zod schemas. Any
// input ends in a value or a list of problems each naming its field, in bounded time; nothing throws.
import { PROPERTY_RUNS, parsesOrRefuses } from "@kubedump/testenv";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { validateBackupConfiguration } from "./backup-configuration.js";
import { validateBackupSession } from "./backup-session.js";
import { validateRepository } from "./repository.js";
import { validateRestoreSession } from "./restore-session.js";
import { checkTaskParams, parseTaskParams, TASK_PARAMS } from "./task-params.js";
import {
  backupConfigurationFixture,
  backupSessionFixture,
  repositoryFixture,
  restoreSessionFixture,
} from "./test-fixtures.js";

const NAMES = Object.keys(TASK_PARAMS);

/** Names: known ones, ones an object's prototype has, and any string. */
const paramName = fc.oneof(
  fc.constantFrom(...NAMES),
  fc.constantFrom("__proto__", "constructor", "toString", "hasOwnProperty", ""),
  fc.string({ maxLength: 12 }),
);
/** Values: what some param takes, pieces of globs and selectors, and any string. */
const paramValue = fc.oneof(
  fc.constantFrom("true", "false", "auto", "0", "9", "10", "-1", "a=b", "a in (b)", "kube-*", "pods", "Pod.apps", ""),
  fc
    .array(fc.constantFrom("a", "*", "?", ".", ",", ";", "-", " ", "=", "(", ")", "!", "A"), { maxLength: 20 })
    .map((p) => p.join("")),
  fc.string({ maxLength: 40, unit: "binary" }),
);
const params = fc.array(fc.record({ name: paramName, value: paramValue }), { maxLength: 8 });

describe("checkTaskParams on any params", () => {
  it("parses or lists issues naming the index and field, never throws", () => {
    fc.assert(
      fc.property(params, (list) => {
        const outcome = parsesOrRefuses(() => checkTaskParams(list), []);
        if (!("value" in outcome)) return;
        const { value, issues } = outcome.value;
        for (const issue of issues) {
          expect(issue.index).toBeGreaterThanOrEqual(0);
          expect(issue.index).toBeLessThan(list.length);
          expect(["name", "value"]).toContain(issue.field);
          expect(issue.message).not.toBe("");
        }
        if (issues.length === 0) {
          expect(Number.isInteger(value.gzipLevel) && value.gzipLevel >= 0 && value.gzipLevel <= 9).toBe(true);
          expect([true, false, "auto"]).toContain(value.includeClusterResources);
          expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
        }
      }),
      { numRuns: PROPERTY_RUNS * 3 },
    );
  });

  it("words each problem as spec.task.params[i].field: message", () => {
    fc.assert(
      fc.property(params, (list) => {
        const result = parseTaskParams(list);
        if (!result.ok)
          for (const e of result.errors) expect(e).toMatch(/^spec\.task\.params\[\d+\]\.(name|value): \S/);
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });
});

/** A JSON value put at a random path of `fixture` (or the fixture replaced whole). */
function mutated(fixture: () => unknown): fc.Arbitrary<unknown> {
  const paths = leafPaths(fixture());
  return fc.tuple(fc.constantFrom(...paths), fc.jsonValue({ maxDepth: 3 })).map(([path, replacement]) => {
    const copy = structuredClone(fixture()) as Record<string, unknown>;
    if (path.length === 0) return replacement;
    let at: Record<string, unknown> = copy;
    for (const key of path.slice(0, -1)) at = at[key] as Record<string, unknown>;
    at[path[path.length - 1] as string] = replacement;
    return copy;
  });
}

function leafPaths(value: unknown, path: string[] = []): string[][] {
  if (typeof value !== "object" || value === null) return [path];
  return [path, ...Object.entries(value).flatMap(([k, v]) => leafPaths(v, [...path, k]))];
}

/** `(root)`, or `a.b[2]["label/key"].c`, then `: ` and the message. */
const FIELD_THEN_MESSAGE = /^(\(root\)|([\w$]+|\["(?:[^"\\]|\\.)*"\])(\.[\w$]+|\[\d+\]|\["(?:[^"\\]|\\.)*"\])*): \S/;

const VALIDATORS: [string, (input: unknown) => { ok: boolean }, () => unknown][] = [
  ["Repository", validateRepository, () => repositoryFixture()],
  ["BackupConfiguration", validateBackupConfiguration, () => backupConfigurationFixture()],
  ["BackupSession", validateBackupSession, () => backupSessionFixture()],
  ["RestoreSession", validateRestoreSession, () => restoreSessionFixture()],
];

describe.each(VALIDATORS)("validate%s on any object", (_kind, validate, fixture) => {
  it("accepts its fixture", () => {
    expect(validate(fixture()).ok).toBe(true);
  });

  it("returns ok or problems each naming its field, never throws", () => {
    fc.assert(
      fc.property(fc.oneof(mutated(fixture), fc.anything({ maxDepth: 3 })), (input) => {
        const outcome = parsesOrRefuses(() => validate(input) as { ok: true } | { ok: false; errors: string[] }, []);
        if (!("value" in outcome) || outcome.value.ok) return;
        expect(outcome.value.errors.length).toBeGreaterThan(0);
        for (const error of outcome.value.errors) expect(error).toMatch(FIELD_THEN_MESSAGE);
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });
});
