import type { SnapshotManifest } from "@kubedump/repository/snapshot";
import { thrownBy } from "@kubedump/testenv";
import { describe, expect, it } from "vitest";
import { archiveFormatOf } from "./archive-writer.js";
import { placeOf, snapshotPart } from "./snapshot-filter.js";

const PATHS = [
  "cluster/namespaces/prod.yaml",
  "cluster/namespaces/dev.yaml",
  "cluster/clusterroles.rbac.authorization.k8s.io/system:controller:job.yaml",
  "namespaces/prod/deployments.apps/web.yaml",
  "namespaces/prod/configmaps/web.config.yaml",
  "namespaces/dev/deployments.apps/api.yaml",
  "namespaces/dev/events/api.17f.yaml",
];

/** Only what snapshotPart reads of a manifest. */
const manifest = {
  id: "20261126T020000Z-0a1b2c3d",
  counts: {
    namespaces: 2,
    "clusterroles.rbac.authorization.k8s.io": 1,
    "deployments.apps": 2,
    configmaps: 1,
    events: 1,
  },
} as unknown as SnapshotManifest;

describe("placeOf", () => {
  it.each([
    ["cluster/namespaces/prod.yaml", { resource: "namespaces", name: "prod" }],
    [
      "cluster/clusterroles.rbac.authorization.k8s.io/system:controller:job.yaml",
      { resource: "clusterroles.rbac.authorization.k8s.io", name: "system:controller:job" },
    ],
    ["namespaces/prod/configmaps/web.config.yaml", { namespace: "prod", resource: "configmaps", name: "web.config" }],
  ])("%s", (path, place) => {
    expect(placeOf(path)).toEqual(place);
  });

  it.each([
    "../etc/passwd",
    "/cluster/namespaces/prod.yaml",
    "cluster/../namespaces/prod.yaml",
    "namespaces/../configmaps/x.yaml",
    "namespaces/prod/configmaps/..yaml",
    "namespaces/prod/deployments.apps/web.json",
    "cluster/namespaces//prod.yaml",
    "prod/configmaps/web.yaml",
  ])("refuses %s, naming it", (path) => {
    expect(thrownBy(() => placeOf(path))).toMatchObject({
      name: "UnsafePathError",
      path,
      message: expect.stringContaining(`"${path}"`),
    });
  });
});

describe("snapshotPart", () => {
  it.each<[string, { includeNamespaces?: string; includeResources?: string }, string[]]>([
    ["no filter: everything", {}, PATHS],
    [
      "a namespace: its objects and its Namespace object",
      { includeNamespaces: "prod" },
      [
        "cluster/namespaces/prod.yaml",
        "namespaces/prod/deployments.apps/web.yaml",
        "namespaces/prod/configmaps/web.config.yaml",
      ],
    ],
    [
      "namespace globs",
      { includeNamespaces: "d*,nothing-here" },
      ["cluster/namespaces/dev.yaml", "namespaces/dev/deployments.apps/api.yaml", "namespaces/dev/events/api.17f.yaml"],
    ],
    [
      "resources, cluster-scoped ones too",
      { includeResources: "deployments.apps,clusterroles.*" },
      [
        "cluster/clusterroles.rbac.authorization.k8s.io/system:controller:job.yaml",
        "namespaces/prod/deployments.apps/web.yaml",
        "namespaces/dev/deployments.apps/api.yaml",
      ],
    ],
    [
      "namespaces and resources: both must match",
      { includeNamespaces: "dev", includeResources: "deployments.apps,namespaces" },
      ["cluster/namespaces/dev.yaml", "namespaces/dev/deployments.apps/api.yaml"],
    ],
  ])("%s", (_name, flags, kept) => {
    expect(PATHS.filter(snapshotPart(flags, manifest))).toEqual(kept);
  });

  it.each<[{ includeNamespaces?: string; includeResources?: string }, RegExp]>([
    [
      { includeResources: "deployments.apps,secrets" },
      /^--include-resources: snapshot 20261126T020000Z-0a1b2c3d holds no "secrets" \(it holds clusterroles/,
    ],
    [{ includeResources: "Deployments" }, /^--include-resources: includeResources: /],
    [{ includeNamespaces: "Prod" }, /^--include-namespaces: includeNamespaces: /],
  ])("refuses %o, naming the flag", (flags, message) => {
    expect(thrownBy(() => snapshotPart(flags, manifest))).toMatchObject({ name: "UsageError", message });
  });
});

describe("archiveFormatOf", () => {
  it.each([
    ["out.zip", "zip"],
    ["backups/OUT.ZIP", "zip"],
    ["out.tar.gz", "tar.gz"],
    ["out.tgz", "tar.gz"],
  ])("%s → %s", (file, format) => {
    expect(archiveFormatOf(file)).toBe(format);
  });

  it.each(["out.tar", "out.gz", "out.rar", "out", ".zip", "zip", "backups/.tgz", "out.zip/"])(
    "refuses %s, naming --archive",
    (file) => {
      expect(thrownBy(() => archiveFormatOf(file))).toMatchObject({
        name: "UsageError",
        message: `--archive "${file}": the file name must end in .zip, .tar.gz or .tgz`,
      });
    },
  );
});
