import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { KubeObject } from "@kubedump/kube";
import { IntegrityError, openRepository } from "@kubedump/repository";
import { createS3ObjectStore } from "@kubedump/repository/s3";
import { kubeHttp } from "@kubedump/testenv";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { SnapshotDamagedError } from "./errors.js";
import { parseNamespaceMappings } from "./namespace-mapping.js";
import { restoreSnapshot } from "./restore-snapshot.js";
import { backupFixture, type Fixture, seedFixture, statusOf, suffix, useSharedCluster } from "./test-support.js";
import { commitByHand, entryOf } from "./test-snapshots.js";

const env = inject("testenv");
const shared = useSharedCluster(env);
let fixture: Fixture;

beforeAll(async () => {
  fixture = await seedFixture(env, "rsafe");
});

/** The fixture's namespace restored into `to` on the shared cluster (the one it came from). */
const restoreInto = (repository: typeof shared.repo.repository, snapshotId: string, to: string) =>
  restoreSnapshot({
    client: shared.client,
    repository,
    snapshotId,
    options: { namespaceMappings: parseNamespaceMappings(`${fixture.namespace}:${to}`) },
  });
const configMap = (namespace: string, name: string, data: Record<string, string> = {}): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace },
  data,
});
const CONFIGMAPS = { group: "", version: "v1", resource: "configmaps" };
const NAMESPACES = { group: "", version: "v1", resource: "namespaces" };
const namespaceEntry = (name: string) =>
  entryOf(NAMESPACES, { apiVersion: "v1", kind: "Namespace", metadata: { name } });

describe("restoreSnapshot refuses a damaged or forged snapshot before its first write", () => {
  it("a part with one flipped byte", async () => {
    const snapshotId = await backupFixture(shared.client, shared.repo.repository, fixture);
    const part = join(shared.repo.dir, "repo", "snapshots", snapshotId, "parts", "00000.tar.gz");
    const bytes = readFileSync(part);
    const middle = bytes.length >> 1;
    bytes[middle] = bytes[middle]! ^ 0x01;
    writeFileSync(part, bytes);
    const to = `rsafe-corrupt-${suffix()}`;

    const error = await restoreInto(shared.repo.repository, snapshotId, to).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(SnapshotDamagedError);
    expect(error).toBeInstanceOf(IntegrityError); // exit 5 in the CLI
    expect((error as SnapshotDamagedError).problems[0]).toMatch(/^part 0: /);
    expect((error as Error).message).toContain("nothing was restored");
    expect(await statusOf(env, `/api/v1/namespaces/${to}`)).toBe(404);
  });

  it("an entry that climbs out with '..', every hash correct", async () => {
    const to = `rsafe-forged-${suffix()}`;
    const victim = entryOf(CONFIGMAPS, configMap(to, "victim"));
    const escaped = entryOf(CONFIGMAPS, configMap(to, "escaped"), "../../escaped.yaml");
    const snapshotId = await commitByHand(shared.repo.repository, join(shared.scratch, "climb"), [
      namespaceEntry(to),
      victim,
      escaped,
    ]);

    const error = await restoreSnapshot({
      client: shared.client,
      repository: shared.repo.repository,
      snapshotId,
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SnapshotDamagedError);
    const { problems } = error as SnapshotDamagedError;
    expect(problems).toContain(
      `snapshots/${snapshotId}/index.json.gz: "../../escaped.yaml" is not a safe path: segment ".." not allowed`,
    );
    expect(problems.some((p) => p.startsWith('part 0: unsafe path "../../escaped.yaml"'))).toBe(true);
    expect(await statusOf(env, `/api/v1/namespaces/${to}`)).toBe(404);
  });

  it("an object whose YAML names another object than its index record is not written", async () => {
    const to = `rsafe-swap-${suffix()}`;
    const honest = entryOf(CONFIGMAPS, configMap(to, "honest"));
    const swapped = entryOf(CONFIGMAPS, configMap(to, "innocent"));
    const evil = entryOf(CONFIGMAPS, configMap("kube-system", "evil"));
    swapped.data = evil.data; // the record of "innocent", with the bytes (and hash) of "evil"
    swapped.record = { ...swapped.record, sha256: evil.record.sha256, bytes: evil.record.bytes };
    const snapshotId = await commitByHand(shared.repo.repository, join(shared.scratch, "swap"), [
      namespaceEntry(to),
      honest,
      swapped,
    ]);

    const report = await restoreSnapshot({ client: shared.client, repository: shared.repo.repository, snapshotId });

    expect(report.failures()).toEqual([
      expect.objectContaining({
        name: "innocent",
        reason: `its YAML names v1 ConfigMap kube-system evil, its index record v1 ConfigMap ${to} innocent`,
      }),
    ]);
    expect(await statusOf(env, "/api/v1/namespaces/kube-system/configmaps/evil")).toBe(404);
    expect(await statusOf(env, `/api/v1/namespaces/${to}/configmaps/honest`)).toBe(200);
  });
});

describe("restoreSnapshot from an encrypted repository", () => {
  it("restores what it backed up, secrets and binary data intact", async () => {
    const store = createS3ObjectStore({
      endpoint: env.s3Endpoint,
      bucket: "kubedump-restore",
      prefix: `encrypted-${suffix()}`,
      accessKey: env.accessKey,
      secretKey: env.secretKey,
    });
    const repository = await openRepository({ format: 1, store, password: "correct horse", kdf: { N: 2 ** 12 } });
    const snapshotId = await backupFixture(shared.client, repository, fixture);
    const reopened = await openRepository({ format: 1, store, password: "correct horse" });
    expect(reopened.encrypted).toBe(true);
    const to = `rsafe-enc-${suffix()}`;

    const report = await restoreInto(reopened, snapshotId, to);

    expect(report.failures()).toEqual([]);
    const secret = (await kubeHttp(env, `/api/v1/namespaces/${to}/secrets/credentials`)).body;
    expect(Buffer.from(secret.data.password, "base64").toString()).toBe("s3cr3t-rsafe");
    const settings = (await kubeHttp(env, `/api/v1/namespaces/${to}/configmaps/settings`)).body;
    expect(Buffer.from(settings.binaryData["blob.bin"], "base64")).toEqual(fixture.blob);
    expect(settings.data["greeting.txt"]).toBe("grüße, 世界 🌍\nzweite Zeile\n");
  });
});
