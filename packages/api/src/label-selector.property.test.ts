// Property tests of the label-selector parser, which reads what users write in task params, CLI
// flags and RestoreSessions: any input ends in requirements or a SelectorSyntaxError, in bounded
// time; the validator and the parser agree; what the grammar makes is parsed back to what it says.
import { PROPERTY_RUNS, parsesOrRefuses } from "@kubedump/testenv";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { labelSelectorError, matches, parseSelector, type Requirement, SelectorSyntaxError } from "./label-selector.js";

const parse = (selector: string) => parsesOrRefuses(() => parseSelector(selector), [SelectorSyntaxError]);

const segment = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,6}[a-z0-9])?$/);
const labelName = fc.stringMatching(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,8}[A-Za-z0-9])?$/);
const key = fc
  .tuple(fc.option(fc.array(segment, { minLength: 1, maxLength: 3 }), { nil: undefined }), labelName)
  .map(([prefix, name]) => (prefix ? `${prefix.join(".")}/${name}` : name));
const value = fc.oneof(fc.constant(""), labelName);
const blank = fc.constantFrom("", " ", "  ");

const written = (text: string, parsed: Requirement) => ({ text, parsed });

/** A requirement and how it may be written. */
const requirement = fc.oneof(
  fc.tuple(key, blank).map(([k, b]) => written(`${b}${k}${b}`, { key: k, op: "exists" })),
  fc.tuple(key, blank).map(([k, b]) => written(`!${b}${k}`, { key: k, op: "!exists" })),
  fc
    .tuple(key, fc.constantFrom("=", "==", "!="), value, blank)
    .map(([k, op, v, b]) =>
      written(`${k}${b}${op}${b}${v}`, { key: k, op: op === "!=" ? "notin" : "in", values: [v] }),
    ),
  fc
    .tuple(key, fc.constantFrom("in", "notin"), fc.array(value, { minLength: 1, maxLength: 3 }), blank)
    .map(([k, op, values, b]) => ({
      text: `${k} ${op}${b}(${b}${values.join(`${b},${b}`)}${b})`,
      parsed: { key: k, op, values },
    })),
);

/** Pieces of selectors, so random strings come close to valid ones. */
const piece = fc.oneof(
  fc.constantFrom(",", "=", "==", "!=", "!", " in ", " notin ", "(", ")", " ", "/", ".", "-", "_"),
  labelName,
  fc.string({ maxLength: 4, unit: "binary" }),
);
const nearSelector = fc.array(piece, { maxLength: 16 }).map((p) => p.join(""));
const anyInput = fc.oneof(nearSelector, fc.string({ maxLength: 100, unit: "binary" }));

describe("parseSelector on any input", () => {
  it("returns requirements or throws SelectorSyntaxError naming the field, never anything else", () => {
    fc.assert(
      fc.property(anyInput, (input) => {
        const outcome = parse(input);
        if ("error" in outcome) expect(outcome.error.message).toMatch(/^labelSelector: /);
      }),
      { numRuns: PROPERTY_RUNS * 3 },
    );
  });

  it("agrees with labelSelectorError: one accepts exactly what the other does", () => {
    fc.assert(
      fc.property(anyInput, (input) => {
        const parsed = parse(input);
        const error = parsesOrRefuses(() => labelSelectorError(input), []);
        expect("value" in error && error.value === undefined).toBe("value" in parsed);
      }),
      { numRuns: PROPERTY_RUNS * 3 },
    );
  });

  it("parses what the grammar makes into the requirements it says", () => {
    fc.assert(
      fc.property(fc.array(requirement, { minLength: 1, maxLength: 4 }), (requirements) => {
        const selector = requirements.map((r) => r.text).join(",");
        expect(parse(selector)).toEqual({ value: requirements.map((r) => r.parsed) });
        expect(labelSelectorError(selector)).toBeUndefined();
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });

  it("matches any labels against what it parsed without throwing", () => {
    fc.assert(
      fc.property(
        fc.array(requirement, { minLength: 1, maxLength: 3 }),
        fc.dictionary(labelName, value, { maxKeys: 4 }),
        (requirements, labels) => {
          expect(
            typeof matches(
              requirements.map((r) => r.parsed),
              labels,
            ),
          ).toBe("boolean");
        },
      ),
      { numRuns: PROPERTY_RUNS },
    );
  });

  it("matches labels as Kubernetes does: every requirement holds, an empty selector matches all", () => {
    /** Each requirement by its own definition (k8s.io/apimachinery/pkg/labels: Requirement.Matches). */
    const holds = (r: Requirement, labels: Record<string, string>) => {
      const has = Object.hasOwn(labels, r.key);
      if (!("values" in r)) return r.op === "exists" ? has : !has;
      const value = labels[r.key] as string;
      return r.op === "in" ? has && r.values.includes(value) : !has || !r.values.includes(value);
    };
    fc.assert(
      fc.property(
        fc.array(requirement, { maxLength: 4 }),
        fc.array(fc.tuple(fc.boolean(), value), { maxLength: 4 }),
        fc.dictionary(labelName, value, { maxKeys: 3 }),
        (requirements, picks, other) => {
          const parsed = requirements.map((r) => r.parsed);
          // labels that often carry the requirements' own keys, with their values or others
          const labels: Record<string, string> = { ...other };
          parsed.forEach((r, i) => {
            const [set, v] = picks[i] ?? [false, ""];
            if (set) labels[r.key] = "values" in r && r.values.length > 0 && v === "" ? (r.values[0] as string) : v;
          });
          expect(matches(parsed, labels)).toBe(parsed.every((r) => holds(r, labels)));
          expect(matches(parsed, undefined)).toBe(parsed.every((r) => holds(r, {})));
        },
      ),
      { numRuns: PROPERTY_RUNS * 3 },
    );
  });

  it.each([
    ["a long key of dashes", `a${"-".repeat(50_000)}!`],
    ["a long dotted prefix", `${"a.".repeat(30_000)}/b`],
    ["a long prefix of dashes and dots", `${"a-a.".repeat(20_000)}`],
    ["deep parentheses", `a in ${"(".repeat(50_000)}`],
    ["many commas", ",".repeat(100_000)],
    ["a long value list", `a in (${"b,".repeat(50_000)}b)`],
  ])("handles %s in bounded time", (_label, input) => {
    expect(() => parsesOrRefuses(() => parseSelector(input), [SelectorSyntaxError], 2000)).not.toThrow();
    expect(() => parsesOrRefuses(() => labelSelectorError(input), [], 2000)).not.toThrow();
  });
});
