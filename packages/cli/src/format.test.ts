import { describe, expect, it } from "vitest";
import { printable } from "./format.js";

describe("printable", () => {
  it.each([
    ["a plain path", "namespaces/prod/configmaps/a.yaml", "namespaces/prod/configmaps/a.yaml"],
    ["newlines and tabs", "a\n\tb", "a\n\tb"],
    ["a title-setting escape", "cm-\u001b]0;pwned\u0007.yaml", "cm-\\u001b]0;pwned\\u0007.yaml"],
    ["a carriage return", "ok\rforged", "ok\\u000dforged"],
    ["a NUL and DEL", "a\u0000b\u007f", "a\\u0000b\\u007f"],
    ["a right-to-left override", "evil\u202Elmay.yaml", "evil\\u202elmay.yaml"],
    ["umlauts and CJK", "grüße 世界", "grüße 世界"],
  ])("%s", (_label, text, expected) => {
    expect(printable(text)).toBe(expected);
  });
});
