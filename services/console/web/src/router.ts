// Path routing with the History API: the server answers index.html for every non-/api path, so a
// page's address can be bookmarked and reloaded. Same-origin links are followed without a reload.

export interface View {
  params: Record<string, string>;
  query: URLSearchParams;
  main: HTMLElement;
  /** Runs `fn` once the page is in the document. */
  mounted(fn: () => void): void;
}

export type Render = (view: View) => Promise<void> | void;

interface Route {
  pattern: RegExp;
  names: string[];
  render: Render;
}

const routes: Route[] = [];
let fallback: Render = () => {};
let main: HTMLElement;
let rendering = 0;

/** Adds a route such as "/repositories/:ns/:name"; the parameters arrive decoded. */
export function route(path: string, render: Render): void {
  const names: string[] = [];
  const source = path.replace(/:([a-zA-Z]+)/g, (_, name: string) => {
    names.push(name);
    return "([^/]+)";
  });
  routes.push({ pattern: new RegExp(`^${source}/?$`), names, render });
}

export function notFound(render: Render): void {
  fallback = render;
}

/** Goes to `href` (a path with an optional query), adding a history entry unless `replace`. */
export async function navigate(href: string, replace = false): Promise<void> {
  if (replace) history.replaceState(null, "", href);
  else history.pushState(null, "", href);
  await render();
}

/** Renders the current address; a newer navigation wins over one still loading. */
export async function render(): Promise<void> {
  const mine = ++rendering;
  const { pathname, search } = location;
  const found = routes.map((r) => ({ r, m: r.pattern.exec(pathname) })).find((x) => x.m);
  const params: Record<string, string> = {};
  if (found) for (const [i, n] of found.r.names.entries()) params[n] = decodeURIComponent(found.m![i + 1]!);
  const target = document.createElement("div");
  const after: (() => void)[] = [];
  const view = {
    params,
    query: new URLSearchParams(search),
    main: target,
    mounted: (fn: () => void) => after.push(fn),
  };
  await (found?.r.render ?? fallback)(view);
  if (mine !== rendering) return;
  main.replaceChildren(...target.childNodes);
  for (const fn of after) fn();
  const h1 = main.querySelector("h1");
  if (h1) {
    document.title = `${h1.textContent ?? ""} · kubedump console`;
    h1.setAttribute("tabindex", "-1");
    h1.focus({ preventScroll: true });
  }
}

/** Starts listening to links and the back button; pages render into `root`. */
export function startRouter(root: HTMLElement): void {
  main = root;
  window.addEventListener("popstate", () => void render());
  document.addEventListener("click", (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = (e.target as Element | null)?.closest?.("a");
    if (!a || a.hasAttribute("download") || a.target) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin || url.pathname.startsWith("/api/")) return;
    if (url.hash && url.pathname === location.pathname && url.search === location.search) return;
    e.preventDefault();
    void navigate(url.pathname + url.search);
  });
}
