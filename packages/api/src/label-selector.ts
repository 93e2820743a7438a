const KEY =
  "([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?";
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

/** Kubernetes label selectors: `a=b,c!=d,e in (x,y),f notin (z),g,!h`. */
export type Requirement =
  | { key: string; op: "in" | "notin"; values: string[] }
  | { key: string; op: "exists" | "!exists" };

export class SelectorSyntaxError extends Error {
  override name = "SelectorSyntaxError";
}

const KEY_RE = new RegExp(`^${KEY}$`);
const VALUE_RE = new RegExp(`^${VALUE}$`);

/** Parses a selector; throws SelectorSyntaxError naming the bad part. `field` prefixes the message. */
export function parseSelector(selector: string, field = "labelSelector"): Requirement[] {
  const out: Requirement[] = [];
  for (const raw of splitRequirements(selector)) {
    const part = raw.trim();
    if (!part) throw new SelectorSyntaxError(`${field}: empty requirement in "${selector}"`);
    const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(part);
    if (set) {
      const values = set[3]!.split(",").map((v) => v.trim());
      out.push({
        key: checkKey(set[1]!, field, selector),
        op: set[2] as "in" | "notin",
        values: values.map((v) => checkValue(v, field, selector)),
      });
      continue;
    }
    const cmp = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (cmp) {
      const key = checkKey(cmp[1]!, field, selector);
      const value = checkValue(cmp[3]!.trim(), field, selector);
      out.push({ key, op: cmp[2] === "!=" ? "notin" : "in", values: [value] });
      continue;
    }
    if (part.startsWith("!")) {
      out.push({ key: checkKey(part.slice(1).trim(), field, selector), op: "!exists" });
      continue;
    }
    out.push({ key: checkKey(part, field, selector), op: "exists" });
  }
  return out;
}

/** Whether `labels` meet every requirement. A loop, not `every` with a closure: called for each object a dump lists, twice. */
export function matches(requirements: Requirement[], labels: Record<string, string> | undefined): boolean {
  if (requirements.length === 0) return true;
  const l = labels ?? {};
  for (const r of requirements) {
    const has = Object.hasOwn(l, r.key);
    switch (r.op) {
      case "exists":
        if (!has) return false;
        break;
      case "!exists":
        if (has) return false;
        break;
      case "in":
        if (!has || !r.values.includes(l[r.key] as string)) return false;
        break;
      default:
        if (has && r.values.includes(l[r.key] as string)) return false;
    }
  }
  return true;
}

function checkKey(key: string, field: string, selector: string): string {
  if (!KEY_RE.test(key) || key.length > 316)
    throw new SelectorSyntaxError(`${field}: invalid label key "${key}" in "${selector}"`);
  return key;
}

function checkValue(value: string, field: string, selector: string): string {
  if (!VALUE_RE.test(value) || value.length > 63)
    throw new SelectorSyntaxError(`${field}: invalid label value "${value}" in "${selector}"`);
  return value;
}
