const KEY = "([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?";
const VALUE = "([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?";

const REQUIREMENTS = [
  new RegExp(`^!?\\s*${KEY}$`),
  new RegExp(`^${KEY}\\s*(=|==|!=)\\s*${VALUE}$`),
  new RegExp(`^${KEY}\\s+(in|notin)\\s*\\(\\s*${VALUE}(\\s*,\\s*${VALUE})*\\s*\\)$`),
];

/**
 * Checks a Kubernetes label selector (`a=b,c!=d,e in (x,y),f notin (z),g,!h`); returns what is
 * wrong, or undefined when the API server would accept it.
 */
export function labelSelectorError(selector: string): string | undefined {
  for (const raw of splitRequirements(selector)) {
    const requirement = raw.trim();
    if (requirement === "") return `empty requirement in "${selector}"`;
    if (!REQUIREMENTS.some((re) => re.test(requirement))) {
      return `"${requirement}" is not a label requirement (key, !key, key=value, key!=value, key in (a,b), key notin (a,b))`;
    }
  }
  return undefined;
}

/** Splits on commas outside parentheses. */
function splitRequirements(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "," && depth === 0) {
      parts.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(selector.slice(start));
  return parts;
}
