import { ApiError, login } from "../api.js";
import { el, replace } from "../dom.js";
import { errorBox, header } from "../links.js";
import { navigate, type View } from "../router.js";

/** Where to go after signing in: a console path only, never another site. */
export function nextPath(q: URLSearchParams): string {
  const next = q.get("next") ?? "/";
  return /^\/(?![/\\])/.test(next) && !next.startsWith("/api/") ? next : "/";
}

/** Signing in with a Kubernetes bearer token, which the server checks with TokenReview. */
export function loginPage({ query, main }: View, signedIn: () => Promise<void>): void {
  main.append(header("Sign in"));
  const token = el("textarea", {
    id: "token",
    name: "token",
    rows: 4,
    required: true,
    autocomplete: "off",
    spellcheck: "false",
    "aria-describedby": "token-hint",
  });
  const message = el("div", { "aria-live": "assertive" });
  const button = el("button", { type: "submit" }, "Sign in");
  const form = el(
    "form",
    { class: "login", "aria-label": "Sign in" },
    el("label", { for: "token" }, "Kubernetes bearer token"),
    token,
    el(
      "p",
      { class: "hint", id: "token-hint" },
      "For example the output of kubectl create token <service-account>. What you may see and do is what this token may do in the cluster.",
    ),
    button,
    message,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    button.disabled = true;
    try {
      await login(token.value.trim());
      token.value = "";
      await signedIn();
      await navigate(nextPath(query), true);
    } catch (err) {
      const text =
        err instanceof ApiError && err.status === 401
          ? new ApiError(401, "The cluster did not accept this token.")
          : err;
      replace(message, errorBox(text));
    } finally {
      button.disabled = false;
    }
  });
  main.append(form);
}
