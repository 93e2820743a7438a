// The console in the browser: a shell (navigation, the signed-in user) around pages chosen by path.
import { loadSession, logout, onUnauthorized, type Session } from "./api.js";
import { el, replace } from "./dom.js";
import { header } from "./links.js";
import { backupsPage } from "./pages/backups.js";
import { diffPageView } from "./pages/diff.js";
import { loginPage } from "./pages/login.js";
import { objectPageView } from "./pages/object.js";
import { repositoriesPage } from "./pages/repositories.js";
import { repositoryPage } from "./pages/repository.js";
import { restorePageView } from "./pages/restore.js";
import { snapshotPage } from "./pages/snapshot.js";
import { navigate, notFound, render, route, startRouter } from "./router.js";

let session: Session | undefined;

function shell(): void {
  const nav = document.getElementById("nav")!;
  const user = document.getElementById("user")!;
  if (!session) {
    replace(nav);
    replace(user);
    return;
  }
  replace(
    nav,
    el(
      "ul",
      {},
      el("li", {}, el("a", { href: "/" }, "Repositories")),
      el("li", {}, el("a", { href: "/backups" }, "Backups")),
    ),
  );
  const out = el("button", { type: "button", class: "link" }, "Sign out");
  out.addEventListener("click", async () => {
    await logout().catch(() => undefined);
    session = undefined;
    shell();
    await navigate("/login", true);
  });
  replace(user, el("span", { class: "user" }, `Signed in as ${session.user.username}`), " ", out);
}

const toLogin = () => {
  const here = location.pathname + location.search;
  session = undefined;
  shell();
  if (location.pathname !== "/login") void navigate(`/login?next=${encodeURIComponent(here)}`, true);
};

/** Wraps a page: without a session it goes to the sign-in page instead. */
const signedIn =
  (page: Parameters<typeof route>[1]): Parameters<typeof route>[1] =>
  (view) =>
    session ? page(view) : toLogin();

async function boot(): Promise<void> {
  onUnauthorized(toLogin);
  route("/login", (view) =>
    loginPage(view, async () => {
      session = await loadSession();
      shell();
    }),
  );
  route("/", signedIn(repositoriesPage));
  route("/backups", signedIn(backupsPage));
  route("/repositories/:ns/:name", signedIn(repositoryPage));
  route("/repositories/:ns/:name/diff", signedIn(diffPageView));
  route("/repositories/:ns/:name/restore", signedIn(restorePageView));
  route("/repositories/:ns/:name/snapshots/:id", signedIn(snapshotPage));
  route("/repositories/:ns/:name/snapshots/:id/object", signedIn(objectPageView));
  notFound(({ main }) => {
    main.append(header("Page not found"), el("p", {}, el("a", { href: "/" }, "Go to the repositories")));
  });
  startRouter(document.getElementById("main")!);
  session = await loadSession().catch(() => undefined);
  shell();
  await render();
}

void boot();
