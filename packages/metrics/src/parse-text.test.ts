import { describe, expect, it } from "vitest";
import { parseTextFormat, TextFormatError } from "./index.js";
import { PARSED, text } from "./test-support.js";

describe("parseTextFormat reads", () => {
  it.each(PARSED)("%s", (_title, input, expected) => {
    expect(parseTextFormat(input)).toEqual(expected);
  });
});

describe("parseTextFormat rejects, naming the line", () => {
  it.each<[string, string, number, RegExp]>([
    ["an invalid metric name", text("ok 1", "1bad 2"), 2, /invalid metric name "1bad"/],
    ["a metric name with a dash", text("foo-bar 2"), 1, /invalid metric name "foo-bar"/],
    ["an invalid label name", text('m{0x="1"} 1'), 1, /invalid label name "0x"/],
    ["a label name with a colon", text('m{a:b="1"} 1'), 1, /invalid label name "a:b"/],
    ["a reserved label name", text('m{__name__="x"} 1'), 1, /label name "__name__" is reserved/],
    ["an invalid metric name in HELP", text("# HELP 9x text"), 1, /invalid metric name "9x" in HELP line/],
    [
      "an unknown escape in a label value",
      text('m{a="\\t"} 1'),
      1,
      /invalid escape sequence "\\t" in the value of label "a"/,
    ],
    ["an unknown escape in HELP", text("# HELP m tab\\there"), 1, /invalid escape sequence "\\t" in HELP text/],
    ["an unterminated label value", text('m{a="x} 1'), 1, /value of label "a" not terminated/],
    ["a missing '='", text('m{a "x"} 1'), 1, /expected "=" after label name "a"/],
    ["an unquoted label value", text("m{a=x} 1"), 1, /expected '"' to open the value of label "a"/],
    ["a missing comma", text('m{a="1" b="2"} 1'), 1, /expected "," or "}" after the value of label "a"/],
    ["a duplicate label name", text('m{a="1",a="2"} 1'), 1, /duplicate label name "a"/],
    ["a missing value", text("m"), 1, /expected a value after "m"/],
    ["a value that is not a float", text("m 0x10"), 1, /expected a float as the value of "m", got "0x10"/],
    ["a value beyond the range of a float", text("m -1e309"), 1, /expected a float as the value of "m", got "-1e309"/],
    [
      "a timestamp that is not an integer",
      text("m 1 1.5"),
      1,
      /expected an integer timestamp after the value of "m", got "1.5"/,
    ],
    ["text after the timestamp", text("m 1 2 3"), 1, /unexpected text after the timestamp of "m"/],
    ["an unknown type", text("# TYPE m gaugee"), 1, /unknown metric type "gaugee"/],
    [
      "a TYPE after samples of that metric",
      text("m 1", "# TYPE m gauge"),
      2,
      /TYPE line for metric "m" after its samples \(the first is on line 1\)/,
    ],
    [
      "a second TYPE",
      text("# TYPE m gauge", "# TYPE m counter"),
      2,
      /second TYPE line for metric "m" \(the first is on line 1\)/,
    ],
    [
      "a second HELP",
      text("# HELP m one", "m 1", "# HELP m two"),
      3,
      /second HELP line for metric "m" \(the first is on line 1\)/,
    ],
    [
      "the same series twice",
      text('m{a="1",b="2"} 1', "other 0", 'm{b="2",a="1"} 2'),
      3,
      /duplicate series m\{b="2",a="1"\} \(first on line 1\)/,
    ],
    [
      "the same histogram bucket twice",
      text("# TYPE h histogram", 'h_bucket{le="1"} 1', 'h_bucket{le="1.0"} 1', 'h_bucket{le="1"} 2'),
      4,
      /duplicate series h_bucket\{le="1"\}/,
    ],
    [
      "a histogram bucket without le",
      text("# TYPE h histogram", 'h_bucket{x="1"} 1'),
      2,
      /h_bucket\{x="1"\} has no "le" label/,
    ],
    [
      "a histogram bucket with a bad le",
      text("# TYPE h histogram", 'h_bucket{le="big"} 1'),
      2,
      /has an invalid "le" value "big"/,
    ],
    ["a bare histogram sample", text("# TYPE h histogram", "h 1"), 2, /histogram "h" has a sample named "h"/],
    [
      "a summary sample without quantile",
      text("# TYPE s summary", 's{x="1"} 1'),
      2,
      /s\{x="1"\} has no "quantile" label/,
    ],
  ])("%s", (_title, input, line, message) => {
    let caught: unknown;
    try {
      parseTextFormat(input);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TextFormatError);
    const err = caught as TextFormatError;
    expect(err.name).toBe("TextFormatError");
    expect(err.line).toBe(line);
    expect(err.message).toMatch(new RegExp(`^line ${line}: `));
    expect(err.message).toMatch(message);
  });
});

describe("parseTextFormat with { pushgateway: true }", () => {
  const read = (input: string) => parseTextFormat(input, { pushgateway: true });

  it("leaves duplicates, reserved label names and bound-less samples to the caller", () => {
    const input = text("# TYPE h histogram", "h_bucket 1", 'h_bucket{le="1"} 1', 'h_bucket{le="1"} 1', 'v{__x="y"} 1');
    const [h, v] = read(input);
    expect(h?.samples.map((s) => s.labels)).toEqual([{}, { le: "1" }, { le: "1" }]);
    expect(v?.samples).toEqual([{ name: "v", labels: { __x: "y" }, value: 1 }]);
  });

  it.each<[string, string, number, RegExp]>([
    ["a last line without a newline", "a 1\n# a comment", 2, /unexpected end of input stream/],
    ["a sample ended by a carriage return", "a 1\r\n", 1, /carriage return ends the sample/],
    ["a malformed line, as always", "a{ 1\n", 1, /./],
  ])("refuses %s", (_title, input, line, message) => {
    expect(() => read(input)).toThrow(message);
    expect(() => read(input)).toThrow(new RegExp(`^line ${line}: `));
  });

  it("takes trailing blanks after the last newline, CRLF after a comment, and an empty text", () => {
    expect(read("a 1\n  \t")).toHaveLength(1);
    expect(read("# a comment\r\na 1\n")).toHaveLength(1);
    expect(read("")).toEqual([]);
  });
});
