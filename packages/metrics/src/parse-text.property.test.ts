// Property tests of the text-format parser, which reads what any pusher sends: any input ends in
// families or a TextFormatError, in bounded time; what it accepts renders and parses back the same.
import { PROPERTY_RUNS, parsesOrRefuses } from "@kubedump/testenv";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseTextFormat } from "./parse-text.js";
import { renderTextFormat } from "./render-text.js";
import { TextFormatError } from "./text-format-error.js";

const parse = (text: string) => parsesOrRefuses(() => parseTextFormat(text), [TextFormatError]);

/** Pieces the format is made of, so random lines come close to valid ones and reach deep into the parser. */
const token = fc.oneof(
  fc.constantFrom("# HELP ", "# TYPE ", "#", " ", "\t", "{", "}", "=", ",", '"', '\\"', "\\\\", "\\n", "\\", "\r"),
  fc.constantFrom("counter", "gauge", "histogram", "summary", "untyped", "le", "quantile", "_bucket", "_sum", "_count"),
  fc.constantFrom("NaN", "+Inf", "-Inf", "1e3", "-0", "0x1", "1_000", "9007199254740993", "1.5", "-2"),
  fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,8}$/),
  fc.string({ maxLength: 6, unit: "binary" }),
);
const line = fc.array(token, { maxLength: 12 }).map((parts) => parts.join(""));
const text = fc.array(line, { maxLength: 20 }).map((lines) => lines.join("\n"));

const name = fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,10}$/);
const labelName = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_]{0,6}$/);
const value = fc.oneof(fc.double(), fc.integer().map(String).map(Number));
/** Families a parse could give: unique names, unique series, untyped/counter/gauge. */
const families = fc
  .uniqueArray(
    fc.record({
      name,
      // As a parse gives it: no leading blank (skipped after the name), no trailing CR (ends the line).
      help: fc.option(
        fc.string({ maxLength: 20, unit: "grapheme" }).filter((h) => !/^[ \t]|\r$/.test(h)),
        { nil: undefined },
      ),
      type: fc.constantFrom("counter" as const, "gauge" as const, "untyped" as const),
      series: fc.uniqueArray(fc.dictionary(labelName, fc.string({ maxLength: 12, unit: "grapheme" }), { maxKeys: 3 }), {
        maxLength: 4,
        selector: (labels) => JSON.stringify(Object.entries(labels).sort()),
      }),
      values: fc.array(value, { minLength: 4, maxLength: 4 }),
    }),
    { maxLength: 5, selector: (f) => f.name },
  )
  .map((list) =>
    list.map(({ name, help, type, series, values }) => ({
      name,
      type,
      ...(help !== undefined && { help }),
      samples: series.map((labels, i) => ({ name, labels, value: values[i] ?? 0 })),
    })),
  );

describe("parseTextFormat on any input", () => {
  it("returns families or throws TextFormatError naming a line, never anything else", () => {
    fc.assert(
      fc.property(fc.oneof(text, fc.string({ maxLength: 300, unit: "binary" })), (input) => {
        const outcome = parse(input);
        if ("error" in outcome) expect(outcome.error.message).toMatch(/^line \d+: /);
      }),
      { numRuns: PROPERTY_RUNS * 3 },
    );
  });

  it("gives back, rendered and parsed again, exactly what it accepted", () => {
    fc.assert(
      fc.property(text, (input) => {
        const first = parse(input);
        if ("error" in first) return;
        const again = parse(renderTextFormat(first.value));
        expect(again).toEqual(first);
      }),
      { numRuns: PROPERTY_RUNS * 3 },
    );
  });

  it("parses what renderTextFormat writes of well-formed families back to them", () => {
    fc.assert(
      fc.property(families, (input) => {
        expect(parse(renderTextFormat(input))).toEqual({ value: input });
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });

  it.each([
    ["a long label value of escapes", `m{a="${"\\\\".repeat(50_000)}"} 1`],
    ["an unclosed label set of commas", `m{${'a="",'.repeat(20_000)}`],
    ["a long run of blanks", `m${" ".repeat(100_000)}1`],
    ["many HELP lines", Array.from({ length: 20_000 }, (_, i) => `# HELP m${i} x`).join("\n")],
    ["a long name", `${"a".repeat(200_000)} 1`],
  ])("handles %s in bounded time", (_label, input) => {
    expect(() => parsesOrRefuses(() => parseTextFormat(input), [TextFormatError], 2000)).not.toThrow();
  });
});
