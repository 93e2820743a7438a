import { dump, load } from "js-yaml";

/** What a masked value shows. */
export const MASK = "***";

/** The annotation kubectl apply leaves, which holds the whole object as it was applied (values included). */
const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** The keys kept, each value replaced by MASK. */
const masked = (values: unknown) =>
  isObj(values) ? Object.fromEntries(Object.keys(values).map((k) => [k, MASK])) : values;

/**
 * A Secret's YAML with every value of data and stringData replaced by "***" (the keys stay), and
 * the last-applied annotation, which would repeat them, masked whole.
 */
export function maskSecretYaml(yaml: string): string {
  const doc = load(yaml);
  if (!isObj(doc)) return `# ${MASK}\n`;
  for (const field of ["data", "stringData"]) if (field in doc) doc[field] = masked(doc[field]);
  const meta = doc.metadata;
  if (isObj(meta) && isObj(meta.annotations) && LAST_APPLIED in meta.annotations) meta.annotations[LAST_APPLIED] = MASK;
  return dump(doc, { lineWidth: -1, noRefs: true });
}

/** Core-group Secrets: the one type whose content the console masks rather than refuses. */
export const isSecret = (o: { group: string; resource: string }) => o.group === "" && o.resource === "secrets";
