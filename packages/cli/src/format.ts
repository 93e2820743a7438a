export { formatBytes as humanBytes } from "@kubedump/api";

/** Left-aligned columns separated by three spaces, as kubectl prints them. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join("   ")
      .trimEnd();
  return [line(headers), ...rows.map(line)].join("\n");
}

/** Control characters (but newline and tab) and bidirectional overrides: what could rewrite a terminal. */
const UNPRINTABLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` safe to print: names and paths read from a repository are untrusted, and an escape
 * sequence in one must not reach the terminal. Each such character becomes `\uXXXX`.
 */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
