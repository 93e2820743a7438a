// DOM building without innerHTML: every piece of text, repository content above all, goes in as a
// text node, and handlers are attached with addEventListener (the CSP forbids inline ones).

export type Child = Node | string | number | null | undefined | false;

export interface Attrs {
  [name: string]: string | number | boolean | undefined | EventListener;
}

function apply(node: Element, attrs: Attrs): void {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") node.addEventListener(name.replace(/^on/, ""), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
}

function append(node: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    node.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
  }
}

/** An HTML element: `el("a", { href: "/", class: "nav" }, "Home")`; `on*` attributes are listeners. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  apply(node, attrs);
  append(node, children);
  return node;
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** An SVG element, attributes set one by one (no style strings). */
export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, tag);
  apply(node, attrs);
  append(node, children);
  return node;
}

/** Replaces a node's children. */
export function replace(node: Element, ...children: Child[]): void {
  node.replaceChildren();
  append(node, children);
}

/** A table with a caption, header cells and rows of cells. */
export function table(caption: string, head: string[], rows: Child[][], cls = "data"): HTMLTableElement {
  return el(
    "table",
    { class: cls },
    el("caption", {}, caption),
    el("thead", {}, el("tr", {}, ...head.map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, ...rows.map((cells) => el("tr", {}, ...cells.map((c) => el("td", {}, c))))),
  );
}

/** A status message announced to screen readers. */
export function notice(text: string, kind: "info" | "error" | "ok" = "info"): HTMLParagraphElement {
  return el("p", { class: `notice notice-${kind}`, role: kind === "error" ? "alert" : "status" }, text);
}

/** A phase as a coloured badge (the text says it too). */
export function phaseBadge(phase: string | undefined): HTMLSpanElement {
  const p = phase ?? "Unknown";
  return el("span", { class: `phase phase-${p.toLowerCase()}` }, p);
}
