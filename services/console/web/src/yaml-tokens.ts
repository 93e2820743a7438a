// A small YAML tokenizer for highlighting the manifests kubedump writes (block style, as `yaml`
// stringifies them). It never evaluates anything: it only cuts each line into classed pieces whose
// texts, joined, give the line back unchanged.

export type TokenKind =
  | "key"
  | "string"
  | "number"
  | "bool"
  | "null"
  | "comment"
  | "punct"
  | "anchor"
  | "tag"
  | "plain"
  | "space";

export interface Token {
  kind: TokenKind;
  text: string;
}

const NUMBER = /^[-+]?(\d[\d_]*(\.\d*)?([eE][-+]?\d+)?|\.\d+([eE][-+]?\d+)?|0x[0-9a-fA-F]+|0o[0-7]+|\.inf|\.nan)$/;
const BOOL = /^(true|false|True|False|TRUE|FALSE)$/;
const NULL = /^(null|Null|NULL|~)$/;
const BLOCK = /^[|>][-+0-9]*$/;
/** A key: a quoted string or plain text without ": " or " #", then a colon and a space or the end. */
const KEY = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"{[\]}][^#]*?)(:)(?=\s|$)/;

/** The kind of a scalar value's text (without its trailing comment). */
export function scalarKind(text: string): TokenKind {
  if (text.startsWith('"') || text.startsWith("'")) return "string";
  if (text.startsWith("&") || text.startsWith("*")) return "anchor";
  if (text.startsWith("!")) return "tag";
  if (NUMBER.test(text)) return "number";
  if (BOOL.test(text)) return "bool";
  if (NULL.test(text)) return "null";
  if (BLOCK.test(text)) return "punct";
  return "plain";
}

/** Splits "value  # comment" where the # starts a comment (after a space, outside quotes). */
function splitComment(rest: string): [string, string] {
  let quote = "";
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i];
    if (quote) {
      if (c === quote) quote = "";
      else if (c === "\\" && quote === '"') i++;
    } else if (c === '"' || c === "'") {
      if (i === 0 || rest[i - 1] === " ") quote = c;
    } else if (c === "#" && (i === 0 || rest[i - 1] === " " || rest[i - 1] === "\t")) {
      return [rest.slice(0, i), rest.slice(i)];
    }
  }
  return [rest, ""];
}

function pushValue(out: Token[], rest: string): void {
  const [value, comment] = splitComment(rest);
  const trimmed = value.trimEnd();
  if (trimmed) out.push({ kind: scalarKind(trimmed), text: trimmed });
  const gap = value.slice(trimmed.length);
  if (gap) out.push({ kind: "space", text: gap });
  if (comment) out.push({ kind: "comment", text: comment });
}

/** Tokens of one line outside a block scalar; `block` is true when the line opens one. */
function tokenizeLine(line: string): { tokens: Token[]; block: boolean } {
  const out: Token[] = [];
  let rest = line;
  const indent = /^\s*/.exec(rest)![0];
  if (indent) out.push({ kind: "space", text: indent });
  rest = rest.slice(indent.length);
  if (rest === "---" || rest === "...") return { tokens: [...out, { kind: "punct", text: rest }], block: false };
  for (let m = /^-(\s+|$)/.exec(rest); m; m = /^-(\s+|$)/.exec(rest)) {
    out.push({ kind: "punct", text: "-" });
    if (m[1]) out.push({ kind: "space", text: m[1] });
    rest = rest.slice(m[0].length);
  }
  const key = KEY.exec(rest);
  if (key) {
    out.push({ kind: "key", text: key[1]! }, { kind: "punct", text: ":" });
    rest = rest.slice(key[0].length);
    const gap = /^\s*/.exec(rest)![0];
    if (gap) out.push({ kind: "space", text: gap });
    rest = rest.slice(gap.length);
  }
  if (rest) pushValue(out, rest);
  const last = [...out].reverse().find((t) => t.kind !== "space" && t.kind !== "comment");
  return { tokens: out, block: last?.kind === "punct" && BLOCK.test(last.text) };
}

const indentOf = (line: string): number => /^ */.exec(line)![0].length;

/** One array of tokens per line of `text`; the lines of a block scalar (`|`, `>`) are strings. */
export function tokenizeYaml(text: string): Token[][] {
  const lines = text.split("\n");
  const out: Token[][] = [];
  let blockIndent = -1;
  for (const line of lines) {
    if (blockIndent >= 0 && (line.trim() === "" || indentOf(line) > blockIndent)) {
      out.push(line ? [{ kind: "string", text: line }] : []);
      continue;
    }
    blockIndent = -1;
    const { tokens, block } = tokenizeLine(line);
    if (block) blockIndent = indentOf(line);
    out.push(tokens);
  }
  return out;
}
