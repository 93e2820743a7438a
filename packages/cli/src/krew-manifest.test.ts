import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { load } from "js-yaml";
import { describe, expect, it } from "vitest";

// The krew manifest template (deploy/krew) against the rules krew's index validation applies to
// a plugin manifest: apiVersion and kind, a safe name, a one-line short description, a semver
// version, and platforms each with a uri, a sha256 of 64 hex digits, a bin and an os/arch selector.
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../../..");
const KREW = join(ROOT, "deploy/krew");
const exec = promisify(execFile);
const pkg = JSON.parse(readFileSync(join(ROOT, "packages/cli/package.json"), "utf8")) as {
  bin: Record<string, string>;
};

interface Platform {
  selector?: { matchLabels?: Record<string, string>; matchExpressions?: { key: string }[] };
  uri?: string;
  sha256?: string;
  bin?: string;
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: { version: string; shortDescription: string; platforms: Platform[] };
}

function krewProblems(m: Manifest): string[] {
  const problems: string[] = [];
  if (m.apiVersion !== "krew.googlecontainertools.github.com/v1alpha2") problems.push(`apiVersion ${m.apiVersion}`);
  if (m.kind !== "Plugin") problems.push(`kind ${m.kind}`);
  if (!/^[\w-]+$/.test(m.metadata?.name ?? "")) problems.push("metadata.name");
  if (!m.spec?.shortDescription || /[\r\n]/.test(m.spec.shortDescription)) problems.push("spec.shortDescription");
  if (!/^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(m.spec?.version ?? ""))
    problems.push(`spec.version ${m.spec?.version}`);
  if (!m.spec?.platforms?.length) problems.push("spec.platforms");
  m.spec?.platforms?.forEach((p, i) => {
    if (!p.uri) problems.push(`platforms[${i}].uri`);
    if (!/^[a-f0-9]{64}$/.test(p.sha256 ?? "")) problems.push(`platforms[${i}].sha256`);
    if (!p.bin) problems.push(`platforms[${i}].bin`);
    const keys = [
      ...Object.keys(p.selector?.matchLabels ?? {}),
      ...(p.selector?.matchExpressions ?? []).map((e) => e.key),
    ];
    if (keys.length === 0 || keys.some((k) => k !== "os" && k !== "arch")) problems.push(`platforms[${i}].selector`);
  });
  return problems;
}

const render = (...args: string[]) => exec(process.execPath, [join(KREW, "render-manifest.mjs"), ...args]);

describe("the krew manifest template", () => {
  const template = readFileSync(join(KREW, "kubedump.yaml"), "utf8");

  it("is YAML whose only gaps are the version, the URI and the digest", () => {
    const problems = krewProblems(load(template) as Manifest);
    expect(problems.sort()).toEqual(["platforms[0].sha256", "spec.version {{VERSION}}"]);
  });

  it("renders into a manifest krew accepts, whose digest is the archive's and whose bin is the npm bin", async () => {
    const archive = join(mkdtempSync(join(tmpdir(), "kubedump-krew-")), "kubectl-kubedump.tar.gz");
    writeFileSync(archive, "an archive's bytes");
    const uri = "https://github.com/kubedump/kubedump/releases/download/v0.1.0/kubectl-kubedump-v0.1.0.tar.gz";
    const { stdout } = await render("v0.1.0", archive, uri);
    const manifest = load(stdout) as Manifest;
    expect(krewProblems(manifest)).toEqual([]);
    const [platform] = manifest.spec.platforms;
    expect(platform?.sha256).toBe(createHash("sha256").update(readFileSync(archive)).digest("hex"));
    expect(platform?.uri).toBe(uri);
    expect(`kubectl-${manifest.metadata.name}`).toBe(platform?.bin);
    expect(pkg.bin[platform?.bin ?? ""]).toBe(pkg.bin.kubedump);
  });

  it.each([
    ["0.1.0", "https://example.com/a.tar.gz", /v-prefixed semver/],
    ["v0.1.0", "http://example.com/a.tar.gz", /https:\/\/ URL/],
  ])("refuses version %s with URL %s", async (version, uri, message) => {
    const failed = await render(version, join(KREW, "kubedump.yaml"), uri).then(
      () => undefined,
      (err: { stderr: string }) => err.stderr,
    );
    expect(failed).toMatch(message);
  });
});
