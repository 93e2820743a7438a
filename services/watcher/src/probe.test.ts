import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { validateRepository } from "@kubedump/api";
import { expect, it } from "vitest";
import { createRepositoryProbe, PROBE_TTL_MS } from "./probe.js";

function localRepository(path: string) {
  const v = validateRepository({
    apiVersion: "kubedump.io/v1alpha1",
    kind: "Repository",
    metadata: { name: "local", namespace: "ns", uid: "u-1" },
    spec: { backend: { local: { path } } },
  });
  if (!v.ok) throw new Error(v.errors.join("; "));
  return v;
}

it("remembers a success for the TTL while nothing changed, then probes again", async () => {
  let clock = 0;
  const probe = createRepositoryProbe(() => clock);
  const dir = mkdtempSync(join(tmpdir(), "kubedump-probe-"));
  const repo = localRepository(join(dir, "repo"));
  const secret = { NOTE: "a" };
  await probe(repo, secret);
  // The backend breaks (an unreadable repository.json); the remembered success stands until the TTL ends,
  mkdirSync(join(dir, "repo"), { recursive: true });
  writeFileSync(join(dir, "repo", "repository.json"), "{ not json");
  clock = PROBE_TTL_MS - 1;
  await expect(probe(repo, secret)).resolves.toBeUndefined();
  // but a changed Secret is probed at once.
  await expect(probe(repo, { NOTE: "b" })).rejects.toThrow();
  clock = PROBE_TTL_MS;
  await expect(probe(repo, secret)).rejects.toThrow();
});
