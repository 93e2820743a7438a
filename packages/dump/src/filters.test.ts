// The filters' per-object answer depends on an object's labels of labelKeys alone: a second backup
// reads no other labels of the objects it lists as metadata (LabelKeys, packages/kube), and must
// keep what a full listing keeps.
import type { KubeObject } from "@kubedump/kube";
import { PROPERTY_RUNS } from "@kubedump/testenv";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileFilters } from "./filters.js";
import { EXCLUDE_LABEL } from "./options.js";
import { CONFIGMAPS } from "../../kube/src/test-support.js";

const rt = CONFIGMAPS;

const keys = ["app", "tier", "team", "example.com/role", EXCLUDE_LABEL];
const values = ["web", "db", "true", "false"];
const key = fc.constantFrom(...keys);
const value = fc.constantFrom(...values);
const requirement = fc.oneof(
  key,
  key.map((k) => `!${k}`),
  fc.tuple(key, fc.constantFrom("=", "!="), value).map(([k, op, v]) => `${k}${op}${v}`),
  fc
    .tuple(key, fc.constantFrom("in", "notin"), fc.uniqueArray(value, { minLength: 1, maxLength: 3 }))
    .map(([k, op, vs]) => `${k} ${op} (${vs.join(",")})`),
);
const selector = fc.array(requirement, { minLength: 1, maxLength: 3 }).map((rs) => rs.join(","));
const labels = fc.dictionary(key, value, { maxKeys: keys.length });

describe("compileFilters' labelKeys", () => {
  it("name every label keep reads: an object's other labels never change its answer", () => {
    fc.assert(
      fc.property(
        fc.option(selector, { nil: undefined }),
        fc.array(selector, { maxLength: 2 }),
        labels,
        labels,
        (labelSelector, orLabelSelectors, own, other) => {
          const filters = compileFilters({ scope: { type: "cluster" }, labelSelector, orLabelSelectors }, [rt]);
          const read = new Set(filters.labelKeys);
          // the labels keep reads, as the object has them; any others, as another object has them
          const mixed: Record<string, string> = {};
          for (const [k, v] of Object.entries(other)) if (!read.has(k)) mixed[k] = v;
          for (const [k, v] of Object.entries(own)) if (read.has(k)) mixed[k] = v;
          const object = (l: Record<string, string>): KubeObject => ({
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: "a", namespace: "shop", labels: l },
          });
          expect(filters.keep(object(mixed), rt)).toBe(filters.keep(object(own), rt));
        },
      ),
      { numRuns: PROPERTY_RUNS },
    );
  });

  it("are the exclusion label and the selectors' keys, each once", () => {
    const filters = compileFilters(
      { scope: { type: "cluster" }, labelSelector: "app=web,tier", orLabelSelectors: ["team in (a,b)", "!app"] },
      [rt],
    );
    expect(filters.labelKeys).toEqual([EXCLUDE_LABEL, "app", "tier", "team"]);
    expect(compileFilters({ scope: { type: "cluster" } }, [rt]).labelKeys).toEqual([EXCLUDE_LABEL]);
  });
});
