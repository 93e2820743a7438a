import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ConditionReason } from "@kubedump/api";
import { backupMetricFamilies, restoreMetricFamilies } from "@kubedump/metrics";
import { ALL_QUEUES } from "@kubedump/queue";
import { load } from "js-yaml";
import { describe, expect, it } from "vitest";

// The documentation against the repository: every relative link of README.md and docs/*.md
// resolves to a file of the repository (and its anchor to a heading there); docs/metrics.md
// names every metric, label, alert and recording rule; docs/troubleshooting.md has a section
// for every reason the services write into a failing condition or Warning Event.
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const DOCS = [
  "README.md",
  "deploy/helm/kubedump/README.md",
  "deploy/grafana/README.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];
const read = (file: string) => readFileSync(join(ROOT, file), "utf8");

/** Markdown without fenced code blocks and inline code, where links are not links. */
const prose = (md: string) => md.replace(/^```[\s\S]*?^```/gm, "").replace(/`[^`\n]*`/g, "");

/** The anchors GitHub gives a file's headings: lower case, punctuation dropped, spaces to dashes, repeats numbered. */
function anchorsOf(md: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const [, heading] of md.replace(/^```[\s\S]*?^```/gm, "").matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)) {
    const base = (heading ?? "")
      .toLowerCase()
      .replace(/[^\p{L}\p{N}_\- ]/gu, "")
      .replace(/ /g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** Each relative link of a file (its text `md`) that does not resolve, with why. */
function brokenLinks(file: string, md = read(file)): string[] {
  const broken: string[] = [];
  for (const [, target = ""] of prose(md).matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    if (/^[a-z][a-z+.-]*:/i.test(target)) continue;
    const [path = "", anchor] = target.split("#");
    if (path === "") {
      if (anchor && !anchorsOf(md).has(anchor)) broken.push(`${target}: no heading with that anchor`);
      continue;
    }
    const resolved = resolve(dirname(join(ROOT, file)), decodeURI(path));
    if (relative(ROOT, resolved).startsWith("..")) broken.push(`${target}: outside the repository`);
    else if (!existsSync(resolved)) broken.push(`${target}: no such file`);
    else if (anchor && resolved.endsWith(".md") && !anchorsOf(readFileSync(resolved, "utf8")).has(anchor))
      broken.push(`${target}: no heading with that anchor`);
  }
  return broken;
}

describe("the documentation's links", () => {
  it.each(DOCS)("%s: every relative link resolves in the repository, anchors included", (file) => {
    expect(brokenLinks(file)).toEqual([]);
  });

  it("README.md links to every page of docs/ and to nothing outside the repository", () => {
    const readme = read("README.md");
    for (const file of DOCS.filter((f) => f.startsWith("docs/"))) expect(readme).toContain(`](${file}`);
    expect(readme).not.toMatch(/\.\.\//);
  });

  it("finds a link that does not resolve, an anchor that is not there, and a path outside", () => {
    expect(anchorsOf("# A b\n## Failure reasons\n## A b\n```\n# not a heading\n```\n")).toEqual(
      new Set(["a-b", "failure-reasons", "a-b-1"]),
    );
    const md =
      "[a](metrics.md#no-such-heading) [b](nowhere.md) [c](../../outside.md) `[d](nowhere.md)`\n" +
      "[e](metrics.md#alerts) [f](#here) [g](#there) [h](https://example.com/x.md)\n## Here\n";
    expect(brokenLinks("docs/example.md", md)).toEqual([
      "metrics.md#no-such-heading: no heading with that anchor",
      "nowhere.md: no such file",
      "../../outside.md: outside the repository",
      "#there: no heading with that anchor",
    ]);
  });
});

describe("docs/metrics.md", () => {
  const doc = read("docs/metrics.md");
  const named = (name: string) => doc.includes(`\`${name}\``);
  const backup = backupMetricFamilies({
    labels: { invokerKind: "BackupConfiguration", invokerName: "n", namespace: "ns", repository: "r" },
    values: {
      sessionSuccess: true,
      sessionDurationSeconds: 1,
      lastSuccessTimeSeconds: 1,
      objectsTotal: 1,
      dataSizeBytes: 1,
      dataUploadedBytes: 1,
      repositorySnapshotCount: 1,
      repositorySizeBytes: 1,
      repositorySnapshotCleaned: 1,
      repositoryIntegrity: true,
    },
    stashNames: true,
  });
  const restore = restoreMetricFamilies(
    { namespace: "ns", session: "s", repository: "r" },
    { sessionSuccess: true, sessionDurationSeconds: 1, objects: { created: 1 } },
  );
  const rules = (
    load(read("deploy/grafana/prometheus-rules.yaml")) as {
      spec: { groups: { rules: { alert?: string; record?: string }[] }[] };
    }
  ).spec.groups.flatMap((g) => g.rules);

  it.each([...backup, ...restore].map((f) => f.name))("names the metric %s", (name) => {
    expect(named(name)).toBe(true);
  });

  it("names every label of the pushed metrics", () => {
    const labels = new Set([...backup, ...restore].flatMap((f) => f.samples.flatMap((s) => Object.keys(s.labels))));
    expect(labels.size).toBeGreaterThanOrEqual(6);
    expect([...labels].filter((label) => !named(label))).toEqual([]);
  });

  it("names the queue metric, its labels and every queue", () => {
    for (const name of ["kubedump_queue_jobs", "queue", "state", ...ALL_QUEUES]) expect(named(name), name).toBe(true);
  });

  it.each(rules.map((r) => r.alert ?? r.record ?? ""))("names the alert or recording rule %s", (name) => {
    expect(doc).toContain(name);
  });
});

describe("docs/troubleshooting.md", () => {
  /** Reasons of a True condition: what things look like when all is well. */
  const FINE = new Set<string>([
    ConditionReason.AllConditionsTrue,
    ConditionReason.NoConditions,
    ConditionReason.Valid,
    ConditionReason.RepositoryReady,
    ConditionReason.SchedulerCreated,
    ConditionReason.SecretFound,
    ConditionReason.BackendReachable,
    ConditionReason.SnapshotCommitted,
    ConditionReason.RestoreSucceeded,
    ConditionReason.Recording,
  ]);
  const sourcesBelow = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory()
        ? sourcesBelow(join(dir, e.name))
        : e.name.endsWith(".ts") && !e.name.endsWith(".test.ts")
          ? [join(dir, e.name)]
          : [],
    );
  const written = new Set(
    readdirSync(join(ROOT, "services"))
      .flatMap((s) =>
        existsSync(join(ROOT, "services", s, "src")) ? sourcesBelow(join(ROOT, "services", s, "src")) : [],
      )
      .flatMap((f) => [...readFileSync(f, "utf8").matchAll(/ConditionReason\.(\w+)/g)].map((m) => m[1] ?? "")),
  );
  const failures = [...written].filter((r) => !FINE.has(r)).sort();

  it("knows the reasons the services write", () => {
    expect(failures).toEqual(expect.arrayContaining(["BackupFailed", "InvalidSpec", "TimedOut", "WrongPassword"]));
  });

  it.each(failures)("has a section for %s saying what it means and what to do", (reason) => {
    const section = read("docs/troubleshooting.md")
      .split(/^### /m)
      .find((s) => s.startsWith(`${reason}\n`));
    expect(section).toMatch(/\*\*What it means\.\*\*[\s\S]+\*\*What to do\.\*\*/);
  });
});
