import { describe, expect, it } from "vitest";
import { scalarKind, tokenizeYaml } from "./yaml-tokens.js";

const kinds = (line: string) =>
  tokenizeYaml(line)[0]!
    .filter((t) => t.kind !== "space")
    .map((t) => [t.kind, t.text] as const);

describe("tokenizeYaml", () => {
  it("gives every line back unchanged when its tokens are joined", () => {
    const yaml = [
      "apiVersion: v1",
      "kind: ConfigMap",
      "metadata:",
      '  name: "web # not a comment"',
      "  labels: {app: web}",
      "data:",
      "  script: |",
      "    echo 'a: b' # inside the block",
      "",
      "    exit 0",
      "  n: 3 # three",
      "list:",
      "  - - a",
      "  - key: value",
    ].join("\n");
    const lines = tokenizeYaml(yaml);
    expect(lines.map((ts) => ts.map((t) => t.text).join(""))).toEqual(yaml.split("\n"));
  });

  it.each([
    [
      "kind: Deployment",
      [
        ["key", "kind"],
        ["punct", ":"],
        ["plain", "Deployment"],
      ],
    ],
    [
      "replicas: 3",
      [
        ["key", "replicas"],
        ["punct", ":"],
        ["number", "3"],
      ],
    ],
    [
      "paused: false",
      [
        ["key", "paused"],
        ["punct", ":"],
        ["bool", "false"],
      ],
    ],
    [
      "x: null",
      [
        ["key", "x"],
        ["punct", ":"],
        ["null", "null"],
      ],
    ],
    [
      '"a:b": "c"',
      [
        ["key", '"a:b"'],
        ["punct", ":"],
        ["string", '"c"'],
      ],
    ],
    [
      "- name: web",
      [
        ["punct", "-"],
        ["key", "name"],
        ["punct", ":"],
        ["plain", "web"],
      ],
    ],
    [
      "url: http://x:80/#top # c",
      [
        ["key", "url"],
        ["punct", ":"],
        ["plain", "http://x:80/#top"],
        ["comment", "# c"],
      ],
    ],
    ["# only a comment", [["comment", "# only a comment"]]],
    [
      "image: nginx:1.27",
      [
        ["key", "image"],
        ["punct", ":"],
        ["plain", "nginx:1.27"],
      ],
    ],
    ["---", [["punct", "---"]]],
  ])("%s", (line, expected) => {
    expect(kinds(line)).toEqual(expected);
  });

  it("treats the more-indented lines after | as one string each, and ends the block at the parent's indent", () => {
    const lines = tokenizeYaml("a: |-\n  key: not a key\n  - not a list\nb: 1");
    expect(lines[1]).toEqual([{ kind: "string", text: "  key: not a key" }]);
    expect(lines[2]).toEqual([{ kind: "string", text: "  - not a list" }]);
    expect(lines[3]!.find((t) => t.kind === "key")?.text).toBe("b");
  });

  it("never turns markup-looking content into anything but text pieces", () => {
    const line = 'note: "<img src=x onerror=alert(1)>"';
    expect(
      tokenizeYaml(line)[0]!
        .map((t) => t.text)
        .join(""),
    ).toBe(line);
  });

  it.each([
    ["0x1F", "number"],
    ["-1.5e3", "number"],
    ["~", "null"],
    ["&anchor", "anchor"],
    ["!!binary", "tag"],
    [">+", "punct"],
    ["yes", "plain"],
  ])("classes the scalar %s as %s", (text, kind) => {
    expect(scalarKind(text)).toBe(kind);
  });
});
