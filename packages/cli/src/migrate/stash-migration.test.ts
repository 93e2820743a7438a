import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { validateBackupConfiguration, validateRepository } from "@kubedump/api";
import { describe, expect, it } from "vitest";
import type { Fields } from "./objects.js";
import { formatReport } from "./report.js";
import { type Obj, parseSources } from "./stash-input.js";
import { migrateStash, writtenName } from "./stash-migration.js";

// Input: Stash's own documentation examples (stash-docs/README.md), never kubedump's output.
const DOCS = join(dirname(fileURLToPath(import.meta.url)), "stash-docs");
const FIXTURES = readdirSync(DOCS).filter((f) => f.endsWith(".yaml"));
const read = (file: string) => parseSources([{ name: file, text: readFileSync(join(DOCS, file), "utf8") }]);
const migrate = (file: string, includeSecrets = false) => migrateStash(read(file), { includeSecrets });
const ofKind = (objects: Fields[], kind: string) => objects.filter((o) => o.kind === kind);
const specOf = (objects: Fields[], kind: string) => ofKind(objects, kind).map((o) => o.spec);
const lines = (file: string, includeSecrets = false) => {
  const { objects, report } = migrate(file, includeSecrets);
  return formatReport(report, objects.map(writtenName));
};

describe("kubedump migrate stash, on Stash's documentation examples", () => {
  it.each([
    ["cluster.yaml", undefined],
    ["namespace.yaml", { ref: { apiVersion: "v1", kind: "Namespace", name: "kube-system" } }],
    [
      "application.yaml",
      { ref: { apiVersion: "apps/v1", kind: "Deployment", name: "stash-stash-enterprise", namespace: "kube-system" } },
    ],
  ])("%s: the scope, schedule, task, retention and history limit carry over", (file, target) => {
    const [bc] = specOf(migrate(file).objects, "BackupConfiguration") as Fields[];
    expect(bc).toMatchObject({
      schedule: "*/5 * * * *",
      retentionPolicy: { name: "keep-last-5", keepLast: 5, prune: true },
      backupHistoryLimit: 1,
    });
    expect(bc?.target).toEqual(target);
    expect(bc?.task).toMatchObject({ name: "kubedump-backup" });
  });

  it.each([
    ["customization-filter-resources.yaml", [{ name: "labelSelector", value: "k8s-app=kube-dns" }]],
    ["customization-passing-args.yaml", [{ name: "sanitize", value: "false" }]],
    ["application.yaml", [{ name: "includeDependants", value: "true" }]],
    ["customization-resource-limit.yaml", undefined],
  ])("%s: task params %j", (file, params) => {
    const [bc] = specOf(migrate(file).objects, "BackupConfiguration") as Fields[];
    expect(bc?.task).toEqual(params ? { name: "kubedump-backup", params } : { name: "kubedump-backup" });
  });

  it("carries every keep rule of the multi-retention example", () => {
    const [bc] = specOf(migrate("customization-multi-retention-policy.yaml").objects, "BackupConfiguration");
    expect((bc as Fields).retentionPolicy).toEqual({
      name: "cluster-resource-retention",
      keepLast: 5,
      keepDaily: 10,
      keepWeekly: 20,
      keepMonthly: 50,
      keepYearly: 100,
      prune: true,
    });
  });

  it.each([
    ["customization-resource-limit.yaml", "spec.runtimeSettings"],
    ["customization-specific-user.yaml", "spec.runtimeSettings"],
    ["cluster.yaml", "spec.backend.storageSecretName key GOOGLE_SERVICE_ACCOUNT_JSON_KEY"],
    ["concept-repository.yaml", "spec.usagePolicy"],
  ])("%s: reports %s as not carried, with why", (file, field) => {
    const { report } = migrate(file);
    const found = report.findings.find((f) => f.field === field);
    expect(found).toMatchObject({ kind: "not carried", message: expect.stringMatching(/\w{4,}/) });
  });

  it("reports every field of the BackupConfiguration reference sample it leaves behind", () => {
    const { objects, report } = migrate("concept-backupconfiguration.yaml");
    const notCarried = report.findings.filter((f) => f.kind === "not carried").map((f) => f.field);
    expect(notCarried.sort()).toEqual(
      [
        "spec.hooks",
        "spec.runtimeSettings",
        "spec.target.alias",
        "spec.target.exclude",
        "spec.target.paths",
        "spec.target.volumeMounts",
        "spec.tempDir",
      ].sort(),
    );
    expect(specOf(objects, "BackupConfiguration")).toEqual([
      expect.objectContaining({
        paused: false,
        backupHistoryLimit: 3,
        timeOut: "2h",
        retryConfig: { maxRetry: 3, delay: "10m" },
      }),
    ]);
    const skipped = report.findings.filter((f) => f.kind === "skipped");
    expect(skipped).toEqual([expect.objectContaining({ object: "Stash BackupConfiguration demo/demo-backup" })]);
    expect(skipped[0]?.message).toContain("not the KubeDump addon");
  });

  it.each([
    [
      "s3.yaml",
      {
        s3: {
          endpoint: "s3.amazonaws.com",
          bucket: "stash-demo",
          region: "us-west-1",
          prefix: "backup/demo/deployment/stash-demo-kubedump",
        },
      },
    ],
    [
      "minio.yaml",
      {
        s3: {
          endpoint: "https://my-minio-service.minio-namespace.svc",
          bucket: "stash-demo",
          prefix: "backup/demo/deployment/stash-demo-kubedump",
        },
      },
    ],
    [
      "cluster.yaml",
      { s3: { endpoint: "storage.googleapis.com", bucket: "stash-testing", prefix: "manifests/cluster-kubedump" } },
    ],
    ["local.yaml", { local: { path: "/safe/data/kubedump" } }],
  ])("%s: the backend, under a prefix of its own beside Stash's restic repository", (file, backend) => {
    const [repo] = specOf(migrate(file).objects, "Repository") as Fields[];
    expect(repo?.backend).toEqual(backend);
  });

  it("asks for Stash's volume to be mounted where kubedump reads a local repository", () => {
    const action = migrate("local.yaml").report.findings.find((f) => f.kind === "action");
    expect(action).toMatchObject({ field: "spec.backend.local", object: "Stash Repository demo/local-repo-with-pvc" });
    expect(action?.message).toContain(
      'persistentVolumeClaim {"claimName":"repo-pvc"}) at /safe/data into the dump workers',
    );
  });

  it("names Stash's Secret unless asked for a copy; the copy renames RESTIC_PASSWORD", () => {
    const plain = migrate("minio.yaml");
    expect(specOf(plain.objects, "Repository")).toEqual([
      expect.objectContaining({ storageSecretName: "minio-secret" }),
    ]);
    expect(ofKind(plain.objects, "Secret")).toEqual([]);
    const source = read("minio.yaml").find((o) => o.kind === "Secret") as Obj & { data: Record<string, string> };
    const copied = migrate("minio.yaml", true);
    expect(specOf(copied.objects, "Repository")).toEqual([
      expect.objectContaining({ storageSecretName: "minio-secret-kubedump" }),
    ]);
    expect(ofKind(copied.objects, "Secret")).toEqual([
      expect.objectContaining({
        metadata: expect.objectContaining({ name: "minio-secret-kubedump", namespace: "demo" }),
        data: {
          AWS_ACCESS_KEY_ID: source.data.AWS_ACCESS_KEY_ID,
          AWS_SECRET_ACCESS_KEY: source.data.AWS_SECRET_ACCESS_KEY,
          CA_CERT_DATA: source.data.CA_CERT_DATA,
          ENCRYPTION_PASSWORD: source.data.RESTIC_PASSWORD,
        },
      }),
    ]);
  });

  it.each(FIXTURES)("%s: every object written passes kubedump's validation", (file) => {
    for (const includeSecrets of [false, true]) {
      const { objects } = migrate(file, includeSecrets);
      expect(objects.length).toBeGreaterThan(0);
      for (const obj of objects) {
        if (obj.kind === "Secret") continue;
        const result = obj.kind === "Repository" ? validateRepository(obj) : validateBackupConfiguration(obj);
        expect(result, `${file}: ${writtenName(obj)}`).toMatchObject({ ok: true });
      }
    }
  });

  it.each(FIXTURES.filter((f) => readFileSync(join(DOCS, f), "utf8").includes("kind: Secret")))(
    "%s: the report names Secret keys, never their values, and says RESTIC_PASSWORD does not decrypt Stash's data",
    (file) => {
      const values = read(file)
        .filter((o) => o.kind === "Secret")
        .flatMap((s) => Object.values((s as { data: Record<string, string> }).data));
      for (const includeSecrets of [false, true]) {
        const text = lines(file, includeSecrets);
        for (const b64 of values) {
          expect(text).not.toContain(b64);
          expect(text).not.toContain(Buffer.from(b64, "base64").toString("utf8"));
        }
        expect(text).toContain("does not decrypt Stash's restic data");
      }
    },
  );
});

describe("kubedump migrate stash, on the examples changed where a case needs it", () => {
  const text = (file: string) => readFileSync(join(DOCS, file), "utf8");
  const migrateText = (yaml: string) =>
    migrateStash(parseSources([{ name: "edited", text: yaml }]), { includeSecrets: false });

  it("writes no Repository for a backend kubedump cannot use, and says what to do", () => {
    const { objects, report } = migrate("azure.yaml");
    expect(objects.map((o) => o.kind)).toEqual(["BackupConfiguration"]);
    expect(report.findings).toContainEqual(
      expect.objectContaining({
        object: "Stash Repository demo/azure-repo",
        kind: "skipped",
        field: "spec.backend.azure",
      }),
    );
    expect(report.findings).toContainEqual(
      expect.objectContaining({
        kind: "action",
        message: expect.stringContaining("write kubedump Repository demo/azure-repo"),
      }),
    );
  });

  it("keeps the first of two BackupConfigurations with one namespace and name", () => {
    const { objects, report } = migrateText(
      `${text("customization-passing-args.yaml")}\n---\n${text("customization-filter-resources.yaml")}`,
    );
    expect(specOf(objects, "BackupConfiguration")).toEqual([
      expect.objectContaining({ task: { name: "kubedump-backup", params: [{ name: "sanitize", value: "false" }] } }),
    ]);
    expect(report.findings.filter((f) => f.kind === "skipped").map((f) => f.message)).toEqual([
      "an earlier BackupConfiguration of the input has the same namespace and name",
    ]);
  });

  it("moves a CronJob-style CRON_TZ prefix of the schedule into timeZone", () => {
    const edited = text("namespace.yaml").replace(
      'schedule: "*/5 * * * *"',
      'schedule: "CRON_TZ=Europe/Berlin 0 2 * * *"',
    );
    const [bc] = specOf(migrateText(edited).objects, "BackupConfiguration");
    expect(bc).toMatchObject({ schedule: "0 2 * * *", timeZone: "Europe/Berlin" });
  });

  it("writes the Repository of another namespace into the BackupConfiguration's, and asks for the Secret there", () => {
    const edited = text("s3.yaml")
      .replace(
        "  name: cluster-resources-backup\n  namespace: demo",
        "  name: cluster-resources-backup\n  namespace: prod",
      )
      .replace("    name: s3-repo\n", "    name: s3-repo\n    namespace: demo\n");
    const { objects, report } = migrateText(edited);
    expect(objects.map(writtenName)).toEqual([
      "kubedump.io/v1alpha1 Repository prod/s3-repo",
      "kubedump.io/v1alpha1 BackupConfiguration prod/cluster-resources-backup",
    ]);
    expect(report.findings).toContainEqual(
      expect.objectContaining({
        kind: "action",
        message: expect.stringMatching(/^copy Secret demo\/s3-secret into namespace prod/),
      }),
    );
  });

  it.each([
    ["a line after it out of place", "  RESTIC_PASSWORD: Y2hhbmdlaXQ=\n bad: ["],
    ["a second mapping on its line", "  RESTIC_PASSWORD: Y2hhbmdlaXQ= x: y"],
  ])("refuses YAML with %s, naming the line but never the text there (a Secret's value)", (_case, line) => {
    const broken = text("s3.yaml").replace("  RESTIC_PASSWORD: Y2hhbmdlaXQ=", line);
    const message = (() => {
      try {
        parseSources([{ name: "s3.yaml", text: broken }]);
        return "parsed";
      } catch (err) {
        return (err as Error).message;
      }
    })();
    expect(message).toMatch(/^s3\.yaml: not YAML at line 2[56], column \d+: \w/);
    expect(message).not.toContain("Y2hhbmdlaXQ");
  });
});
