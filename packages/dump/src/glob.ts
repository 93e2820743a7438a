/** Shell-style globs (`*`, `?`) as used by namespace and resource filters. */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replaceAll("*", ".*")
    .replaceAll("?", ".");
  return new RegExp(`^${body}$`);
}

export function anyGlob(globs: readonly string[]): (s: string) => boolean {
  const res = globs.map(globToRegExp);
  return (s) => res.some((r) => r.test(s));
}
