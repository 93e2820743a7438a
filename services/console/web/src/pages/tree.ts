// A snapshot's tree, namespace → type → names, each level fetched from the server when opened and
// the names a page at a time: a 100,000-object snapshot never comes to the browser whole.
import { get, query, repoPath } from "../api.js";
import { el, replace } from "../dom.js";
import { count, typeName } from "../format.js";
import { errorBox, objectPage } from "../links.js";
import type { NameNode, NamespaceNode, Page, TypeNode } from "../types.js";

/** Names fetched per page unless the page's address says `?pageSize=`. */
export const PAGE_SIZE = 200;

export interface TreeContext {
  ns: string;
  repo: string;
  id: string;
  pageSize: number;
  /** Downloads of one namespace of the snapshot. */
  namespaceDownloads(namespace: string): HTMLElement;
}

const treeUrl = (c: TreeContext, q: Record<string, string | number | undefined>) =>
  `${repoPath(c.ns, c.repo)}/snapshots/${encodeURIComponent(c.id)}/tree${query(q)}`;

export const namespaceLabel = (namespace: string): string => namespace || "(cluster-scoped)";

let namesMarked = false;

/** Loads its body the first time the <details> opens. */
function lazyDetails(summary: HTMLElement, cls: string, load: (body: HTMLElement) => Promise<void>): HTMLElement {
  const body = el("div", { class: "tree-body" }, el("p", { class: "loading" }, "Loading…"));
  const details = el("details", { class: cls }, summary, body);
  let loaded = false;
  details.addEventListener("toggle", () => {
    if (!details.open || loaded) return;
    loaded = true;
    load(body).catch((err) => replace(body, errorBox(err)));
  });
  return details;
}

async function loadNames(c: TreeContext, namespace: string, t: TypeNode, list: HTMLElement, more: HTMLElement) {
  let after: string | undefined;
  const page = async () => {
    const res = await get<Page<NameNode>>(
      treeUrl(c, { namespace, resource: t.resource, group: t.group, after, limit: c.pageSize }),
    );
    for (const n of res.items) {
      const href = objectPage(c.ns, c.repo, c.id, { group: t.group, resource: t.resource, namespace, name: n.name });
      list.append(el("li", {}, el("a", { href, class: "mono" }, n.name)));
    }
    if (!namesMarked) {
      namesMarked = true;
      performance.mark("kd:names");
    }
    after = res.next ?? undefined;
    replace(
      more,
      after ? loadMoreButton(page, `${typeName(t.resource, t.group)} in ${namespaceLabel(namespace)}`) : null,
    );
  };
  await page();
}

function loadMoreButton(page: () => Promise<void>, what: string): HTMLButtonElement {
  const button = el(
    "button",
    { type: "button", class: "load-more" },
    "Load more",
    el("span", { class: "sr-only" }, ` ${what}`),
  );
  button.addEventListener("click", () => {
    button.disabled = true;
    page().catch((err) => button.replaceWith(errorBox(err)));
  });
  return button;
}

function typeNode(c: TreeContext, namespace: string, t: TypeNode): HTMLElement {
  const summary = el(
    "summary",
    {},
    el("span", { class: "mono" }, typeName(t.resource, t.group)),
    ` ${t.kind} `,
    el("span", { class: "count" }, `(${count(t.objects)})`),
  );
  return lazyDetails(summary, "tree-type", async (body) => {
    const list = el("ul", { class: "tree-names", "aria-label": `${t.kind} objects` });
    const more = el("div", { class: "more" });
    await loadNames(c, namespace, t, list, more);
    replace(body, list, more);
  });
}

function namespaceNode(c: TreeContext, n: NamespaceNode): HTMLElement {
  const summary = el(
    "summary",
    {},
    el("span", { class: "mono" }, namespaceLabel(n.namespace)),
    " ",
    el("span", { class: "count" }, `(${count(n.objects)} objects)`),
  );
  return lazyDetails(summary, "tree-namespace", async (body) => {
    const types = await get<Page<TypeNode>>(treeUrl(c, { namespace: n.namespace }));
    replace(
      body,
      c.namespaceDownloads(n.namespace),
      el("div", { class: "tree-types" }, ...types.items.map((t) => typeNode(c, n.namespace, t))),
    );
  });
}

/**
 * The namespaces of the snapshot, each opening into its types. `onMounted` marks `kd:tree` when the
 * first level is in the document and `kd:tree-painted` after the frame that shows it (what
 * `npm run bench:console` measures from the navigation's start).
 */
export async function snapshotTree(c: TreeContext, onMounted: (fn: () => void) => void): Promise<HTMLElement> {
  try {
    const res = await get<Page<NamespaceNode>>(treeUrl(c, {}));
    const tree = el("div", { class: "tree", id: "tree" }, ...res.items.map((n) => namespaceNode(c, n)));
    onMounted(() => {
      performance.mark("kd:tree");
      tree.setAttribute("data-ready", "true");
      // The frame with the tree is painted before the task that follows its animation frame.
      requestAnimationFrame(() => setTimeout(() => performance.mark("kd:tree-painted"), 0));
    });
    return tree;
  } catch (err) {
    return errorBox(err);
  }
}
