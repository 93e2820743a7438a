import { dump } from "js-yaml";
import { z } from "zod";
import { BackupConfigurationSchema } from "./backup-configuration.js";
import { BackupSessionSchema } from "./backup-session.js";
import { CATEGORY, GROUP, type KubedumpKind, RESOURCES, VERSION } from "./constants.js";
import { CrdSchemaError, type JSONSchemaProps, toOpenApiSchema } from "./openapi-schema.js";
import { RepositorySchema } from "./repository.js";
import { RestoreSessionSchema } from "./restore-session.js";

export interface PrinterColumn {
  name: string;
  type: "string" | "integer" | "number" | "boolean" | "date";
  jsonPath: string;
  description?: string;
  /** 1: shown by `kubectl get -o wide` only. */
  priority?: number;
}

export interface CustomResourceDefinition {
  apiVersion: "apiextensions.k8s.io/v1";
  kind: "CustomResourceDefinition";
  metadata: { name: string };
  spec: {
    group: string;
    names: {
      kind: string;
      listKind: string;
      plural: string;
      singular: string;
      shortNames: string[];
      categories: string[];
    };
    scope: "Namespaced";
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      subresources: { status: Record<string, never> };
      additionalPrinterColumns: PrinterColumn[];
      schema: { openAPIV3Schema: JSONSchemaProps };
    }[];
  };
}

/** A generated file of deploy/crds. */
export interface CrdFile {
  fileName: string;
  text: string;
}

type KindSchema = z.ZodObject<{ spec: z.ZodType; status: z.ZodType }>;

const phase: PrinterColumn = { name: "Phase", type: "string", jsonPath: ".status.phase" };
const age: PrinterColumn = { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" };

const KINDS: Record<KubedumpKind, { schema: KindSchema; columns: PrinterColumn[] }> = {
  Repository: {
    schema: RepositorySchema,
    columns: [
      phase,
      // A printer column cannot name the key that is set, so this shows the bucket or the path.
      {
        name: "Backend",
        type: "string",
        jsonPath: ".spec.backend.*['bucket','path']",
        description: "The S3 bucket or the local path",
      },
      { name: "Snapshots", type: "integer", jsonPath: ".status.snapshotCount" },
      { name: "Size", type: "string", jsonPath: ".status.totalSize" },
      { name: "Last Backup", type: "date", jsonPath: ".status.lastBackupTime" },
      {
        name: "Integrity",
        type: "boolean",
        jsonPath: ".status.integrity",
        description: "Whether the last verification found no damage",
      },
      age,
    ],
  },
  BackupConfiguration: {
    schema: BackupConfigurationSchema,
    columns: [
      phase,
      { name: "Schedule", type: "string", jsonPath: ".spec.schedule" },
      { name: "Repository", type: "string", jsonPath: ".spec.repository.name" },
      { name: "Paused", type: "boolean", jsonPath: ".spec.paused" },
      { name: "Last Backup", type: "date", jsonPath: ".status.lastScheduleTime" },
      age,
    ],
  },
  BackupSession: {
    schema: BackupSessionSchema,
    columns: [
      { name: "Invoker", type: "string", jsonPath: ".spec.invoker.name" },
      phase,
      { name: "Objects", type: "integer", jsonPath: ".status.snapshot.objects" },
      { name: "Duration", type: "string", jsonPath: ".status.sessionDuration" },
      age,
    ],
  },
  RestoreSession: {
    schema: RestoreSessionSchema,
    columns: [
      phase,
      { name: "Snapshot", type: "string", jsonPath: ".status.snapshot" },
      { name: "Done", type: "integer", jsonPath: ".status.progress.objectsDone" },
      { name: "Objects", type: "integer", jsonPath: ".status.progress.objects" },
      { name: "Created", type: "integer", jsonPath: ".status.counts.created" },
      { name: "Updated", type: "integer", jsonPath: ".status.counts.updated", priority: 1 },
      { name: "Exists", type: "integer", jsonPath: ".status.counts.exists", priority: 1 },
      { name: "Skipped", type: "integer", jsonPath: ".status.counts.skipped", priority: 1 },
      { name: "Failed", type: "integer", jsonPath: ".status.counts.failed" },
      { name: "Dry Run", type: "boolean", jsonPath: ".spec.dryRun", priority: 1 },
      age,
    ],
  },
};

function rootSchema(kind: KubedumpKind, schema: KindSchema): JSONSchemaProps {
  const description = z.globalRegistry.get(schema)?.description;
  if (!description) throw new CrdSchemaError(`${kind}: no description`);
  return {
    description,
    type: "object",
    properties: {
      apiVersion: {
        description:
          "APIVersion defines the versioned schema of this representation of an object. Servers should convert " +
          "recognized schemas to the latest internal value, and may reject unrecognized values.",
        type: "string",
      },
      kind: {
        description:
          "Kind is a string value representing the REST resource this object represents. Servers may infer this " +
          "from the endpoint the client submits requests to. In CamelCase.",
        type: "string",
      },
      metadata: { type: "object" },
      spec: toOpenApiSchema(schema.shape.spec, "spec"),
      status: toOpenApiSchema(schema.shape.status, "status"),
    },
    required: ["spec"],
  };
}

/** The CustomResourceDefinition of one kind, built from its zod schema. */
export function buildCrd(kind: KubedumpKind): CustomResourceDefinition {
  const names = RESOURCES[kind];
  const { schema, columns } = KINDS[kind];
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${names.plural}.${GROUP}` },
    spec: {
      group: GROUP,
      names: {
        kind: names.kind,
        listKind: names.listKind,
        plural: names.plural,
        singular: names.singular,
        shortNames: [...names.shortNames],
        categories: [CATEGORY],
      },
      scope: "Namespaced",
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: columns,
          schema: { openAPIV3Schema: rootSchema(kind, schema) },
        },
      ],
    },
  };
}

const HEADER =
  "# Generated from the zod schemas of packages/api by `npm run generate -w @kubedump/api`. Do not edit.\n";

/** The files of deploy/crds: `kubedump.io_<plural>.yaml`, one per kind. */
export function generateCrdFiles(): CrdFile[] {
  return (Object.keys(RESOURCES) as KubedumpKind[]).map((kind) => ({
    fileName: `${GROUP}_${RESOURCES[kind].plural}.yaml`,
    text: HEADER + dump(buildCrd(kind), { lineWidth: 100, noRefs: true }),
  }));
}
