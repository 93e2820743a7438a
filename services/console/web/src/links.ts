// The console's own page addresses, and the page pieces most views share.
import { ApiError, query } from "./api.js";
import { type Child, el, notice } from "./dom.js";
import type { ObjectRef } from "./types.js";

const seg = encodeURIComponent;

export const repoPage = (ns: string, name: string): string => `/repositories/${seg(ns)}/${seg(name)}`;
export const snapshotPage = (ns: string, name: string, id: string): string =>
  `${repoPage(ns, name)}/snapshots/${seg(id)}`;
export const objectPage = (ns: string, name: string, id: string, ref: ObjectRef): string =>
  `${snapshotPage(ns, name, id)}/object${query({ ...ref })}`;
export const diffPage = (ns: string, name: string, a: string, b: string): string =>
  `${repoPage(ns, name)}/diff${query({ a, b })}`;
export const restorePage = (ns: string, name: string, snapshot: string): string =>
  `${repoPage(ns, name)}/restore${query({ snapshot })}`;

/** A page's heading, with the trail of pages above it. */
export function header(title: string, trail: [string, string][] = []): HTMLElement {
  const crumbs = el(
    "nav",
    { "aria-label": "Breadcrumb", class: "crumbs" },
    el("ol", {}, ...trail.map(([text, href]) => el("li", {}, el("a", { href }, text)))),
  );
  return el("header", { class: "page-header" }, trail.length ? crumbs : null, el("h1", {}, title));
}

/** What went wrong, as the server said it (e.g. which permission is missing). */
export function errorBox(err: unknown): HTMLElement {
  if (err instanceof ApiError && err.status === 403) return notice(`Not allowed: ${err.message}`, "error");
  if (err instanceof ApiError && err.status === 404) return notice(`Not found: ${err.message}`, "error");
  return notice(err instanceof Error ? err.message : String(err), "error");
}

/** A section with a heading (h2) and an id for aria-labelledby. */
export function section(id: string, title: string, ...children: Child[]): HTMLElement {
  return el("section", { "aria-labelledby": `${id}-h` }, el("h2", { id: `${id}-h` }, title), ...children);
}

export type DownloadFormat = "yaml" | "tar.gz" | "zip";
export const FORMATS: DownloadFormat[] = ["yaml", "tar.gz", "zip"];

/** Download links of one selection in each format; `what` names it for screen readers. */
export function downloads(href: (format: DownloadFormat) => string, what: string): HTMLElement {
  const list = el(
    "ul",
    { class: "downloads", "aria-label": `Download ${what}` },
    ...FORMATS.map((f) =>
      el(
        "li",
        {},
        el(
          "a",
          { href: href(f), download: "", class: "button", "data-format": f },
          `${f.toUpperCase()}`,
          el("span", { class: "sr-only" }, ` of ${what}`),
        ),
      ),
    ),
  );
  return el("div", { class: "download-box" }, el("span", { class: "download-label" }, "Download as"), list);
}
