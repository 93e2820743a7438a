import { readdirSync, readFileSync } from "node:fs";
import { load } from "js-yaml";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { RESOURCES } from "./constants.js";
import { withRule } from "./crd-extensions.js";
import { buildCrd, generateCrdFiles } from "./crds.js";
import { CrdSchemaError, type JSONSchemaProps, toOpenApiSchema } from "./openapi-schema.js";

const CRD_DIR = new URL("../../../deploy/crds/", import.meta.url);

/** Every node of a schema with its path. */
function* nodes(schema: JSONSchemaProps, path: string): Generator<[string, JSONSchemaProps]> {
  yield [path, schema];
  for (const [key, child] of Object.entries(schema.properties ?? {})) yield* nodes(child, `${path}.${key}`);
  if (schema.items) yield* nodes(schema.items, `${path}[]`);
}

describe("deploy/crds", () => {
  it("matches the zod schemas (run `npm run build -w @kubedump/api && npm run generate -w @kubedump/api`)", () => {
    const files = generateCrdFiles();
    expect(readdirSync(CRD_DIR).sort()).toEqual(files.map((f) => f.fileName).sort());
    for (const file of files) {
      expect(readFileSync(new URL(file.fileName, CRD_DIR), "utf8"), `deploy/crds/${file.fileName} is stale`).toBe(
        file.text,
      );
    }
  });

  it.each(generateCrdFiles())("$fileName parses back to the CRD object", ({ fileName, text }) => {
    const crd = load(text) as ReturnType<typeof buildCrd>;
    expect(fileName).toBe(`kubedump.io_${crd.spec.names.plural}.yaml`);
    expect(crd).toEqual(buildCrd(crd.spec.names.kind as keyof typeof RESOURCES));
  });
});

describe.each(Object.keys(RESOURCES) as (keyof typeof RESOURCES)[])("the %s CRD", (kind) => {
  const crd = buildCrd(kind);
  const version = crd.spec.versions[0]!;
  const root = version.schema.openAPIV3Schema;

  it("is structural: a type on every node, nothing free-form, no JSON Schema leftovers", () => {
    for (const [path, node] of nodes(root, kind)) {
      expect(node.type, path).toMatch(/^(object|array|string|integer|number|boolean)$/);
      for (const banned of [
        "$schema",
        "additionalProperties",
        "anyOf",
        "oneOf",
        "allOf",
        "x-kubernetes-preserve-unknown-fields",
      ]) {
        expect(Object.keys(node), path).not.toContain(banned);
      }
    }
  });

  it("describes every field but the standard metadata", () => {
    const undescribed = [...nodes(root, kind)]
      .filter(([path, node]) => !node.description && !path.endsWith("[]") && path !== `${kind}.metadata`)
      .map(([path]) => path);
    expect(undescribed).toEqual([]);
  });

  it("has the status subresource, the kubedump category and its short name", () => {
    expect(version.subresources).toEqual({ status: {} });
    expect(crd.spec.names.categories).toEqual(["kubedump"]);
    expect(crd.spec.names.shortNames).toEqual([...RESOURCES[kind].shortNames]);
    expect(crd.metadata.name).toBe(`${RESOURCES[kind].plural}.kubedump.io`);
  });
});

describe("printer columns", () => {
  it.each([
    ["Repository", ["Phase", "Backend", "Snapshots", "Size", "Last Backup", "Integrity", "Age"]],
    ["BackupConfiguration", ["Phase", "Schedule", "Repository", "Paused", "Last Backup", "Age"]],
    ["BackupSession", ["Invoker", "Phase", "Objects", "Duration", "Age"]],
  ] as const)("%s shows %j", (kind, columns) => {
    expect(buildCrd(kind).spec.versions[0]!.additionalPrinterColumns.map((c) => c.name)).toEqual(columns);
  });
});

describe("toOpenApiSchema", () => {
  it("maps types, bounds, patterns, defaults, required fields and CEL rules", () => {
    const schema = withRule(
      z
        .object({
          count: z.int().min(0).max(10).describe("c"),
          ratio: z.number().gt(0).optional().describe("r"),
          name: z
            .string()
            .min(1)
            .regex(/^[a-z]+$/)
            .default("x")
            .describe("n"),
          at: z.iso.datetime().describe("a"),
          tags: z.array(z.string()).max(3).optional().describe("t"),
        })
        .describe("o"),
      { holds: () => true, cel: "self.count > 0", message: "count must be positive", field: "count" },
    );
    expect(toOpenApiSchema(schema, "spec")).toEqual({
      description: "o",
      type: "object",
      properties: {
        count: { description: "c", type: "integer", minimum: 0, maximum: 10 },
        ratio: { description: "r", type: "number", minimum: 0, exclusiveMinimum: true },
        name: { description: "n", type: "string", default: "x", minLength: 1, pattern: "^[a-z]+$" },
        at: { description: "a", type: "string", format: "date-time" },
        tags: { description: "t", type: "array", maxItems: 3, items: { type: "string" } },
      },
      required: ["count", "at"],
      "x-kubernetes-validations": [{ rule: "self.count > 0", message: "count must be positive", fieldPath: ".count" }],
    });
  });

  it.each([
    ["a field without description", z.object({ a: z.string() }).describe("o"), "spec.a: no description"],
    [
      "a union",
      z.object({ a: z.union([z.string(), z.int()]).describe("a") }).describe("o"),
      'spec.a: zod type "union"',
    ],
    ["a free-form object", z.looseObject({}).describe("o"), "spec: free-form objects"],
    ["a record", z.record(z.string(), z.string()).describe("o"), 'spec: zod type "record"'],
    ["an email format", z.email().describe("o"), 'spec: zod type "string"'],
    ["an includes check", z.string().includes("x").describe("o"), 'spec: string format "includes"'],
    ["a case-insensitive pattern", z.string().regex(/a/i).describe("o"), 'spec: string format "regex" (flags "i")'],
  ])("refuses %s", (_name, schema, message) => {
    expect(() => toOpenApiSchema(schema as z.ZodType, "spec")).toThrow(CrdSchemaError);
    expect(() => toOpenApiSchema(schema as z.ZodType, "spec")).toThrow(message);
  });
});
