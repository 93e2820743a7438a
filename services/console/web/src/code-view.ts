// Repository content shown as text: YAML with highlighting and unified diffs with colours. Every
// piece goes into the page as a text node inside a classed span.
import { el } from "./dom.js";
import { tokenizeYaml } from "./yaml-tokens.js";

/** A YAML document, highlighted, in a labelled, focusable (so keyboard-scrollable) region. */
export function yamlView(yaml: string, label: string): HTMLElement {
  const code = el("code", { class: "yaml" });
  for (const [i, tokens] of tokenizeYaml(yaml).entries()) {
    if (i > 0) code.appendChild(document.createTextNode("\n"));
    for (const t of tokens) {
      code.appendChild(
        t.kind === "space" ? document.createTextNode(t.text) : el("span", { class: `tok-${t.kind}` }, t.text),
      );
    }
  }
  return el("pre", { class: "code", tabindex: 0, role: "region", "aria-label": label }, code);
}

export type DiffLineKind = "add" | "del" | "hunk" | "file" | "ctx";

/** The kind of a line of a unified diff. */
export function diffLineKind(line: string): DiffLineKind {
  if (line.startsWith("+++") || line.startsWith("---")) return "file";
  if (line.startsWith("@@")) return "hunk";
  if (line.startsWith("+")) return "add";
  if (line.startsWith("-")) return "del";
  return "ctx";
}

const SIGN_LABEL: Record<DiffLineKind, string | undefined> = {
  add: "added",
  del: "removed",
  hunk: undefined,
  file: undefined,
  ctx: undefined,
};

/** A unified diff, coloured per line; added and removed lines also say so to screen readers. */
export function diffView(diff: string, label: string): HTMLElement {
  const code = el("code", { class: "diff" });
  const lines = diff.replace(/\n$/, "").split("\n");
  for (const [i, line] of lines.entries()) {
    if (i > 0) code.appendChild(document.createTextNode("\n"));
    const kind = diffLineKind(line);
    const sr = SIGN_LABEL[kind];
    code.appendChild(
      el("span", { class: `diff-${kind}` }, sr ? el("span", { class: "sr-only" }, `${sr}: `) : null, line),
    );
  }
  return el("pre", { class: "code", tabindex: 0, role: "region", "aria-label": label }, code);
}
