import { describe, expect, it } from "vitest";
import { validateRestoreSession } from "./restore-session.js";
import { mergePatch, restoreSessionFixture } from "./test-fixtures.js";

describe("validateRestoreSession", () => {
  it("accepts the fixture and fills in the defaults of a minimal spec", () => {
    expect(validateRestoreSession(restoreSessionFixture())).toMatchObject({ ok: true });
    const minimal = mergePatch(restoreSessionFixture(), {
      spec: { snapshot: null, backupConfiguration: null, existingResourcePolicy: null, dryRun: null, skipOwned: null },
    });
    expect(validateRestoreSession(minimal)).toMatchObject({
      ok: true,
      value: { spec: { snapshot: "latest", existingResourcePolicy: "none", dryRun: false, skipOwned: false } },
    });
  });

  it.each([
    ["a bad label selector", { labelSelector: "app in (web" }, "spec.labelSelector:"],
    ["a bad selector among orLabelSelectors", { orLabelSelectors: ["app=web", "=x"] }, "spec.orLabelSelectors[1]:"],
    [
      "a snapshot id with a short suffix",
      { backupConfiguration: null, snapshot: "20261126T020000Z-3f9a" },
      "spec.snapshot:",
    ],
    [
      "a namespace mapped twice",
      {
        namespaceMappings: [
          { from: "a", to: "b" },
          { from: "a", to: "c" },
        ],
      },
      "spec.namespaceMappings[1]:",
    ],
  ])("rejects %s, naming the field", (_row, spec, field) => {
    const result = validateRestoreSession(mergePatch(restoreSessionFixture(), { spec }));
    expect(result.ok ? [] : result.errors.filter((e) => e.startsWith(field))).not.toEqual([]);
  });
});
