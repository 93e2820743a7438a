import { describe, expect, it } from "vitest";
import { DEFAULT_TASK_PARAMS, parseTaskParams, type TaskParams } from "./task-params.js";

describe("parseTaskParams", () => {
  it("fills in the defaults when no params are given", () => {
    expect(parseTaskParams(undefined)).toEqual({
      ok: true,
      value: {
        sanitize: true,
        labelSelector: undefined,
        orLabelSelectors: [],
        includeDependants: false,
        ignoreGroupKinds: [],
        includeNamespaces: [],
        excludeNamespaces: [],
        includeResources: [],
        excludeResources: [],
        includeClusterResources: "auto",
        includeEvents: false,
        gzipLevel: 1,
      },
    });
  });

  it.each<[string, string, Partial<TaskParams>]>([
    ["sanitize", "false", { sanitize: false }],
    [
      "labelSelector",
      "app=web,tier!=cache,env in (prod, staging),!legacy",
      { labelSelector: "app=web,tier!=cache,env in (prod, staging),!legacy" },
    ],
    ["labelSelector", "", { labelSelector: undefined }],
    ["orLabelSelectors", "app=web; app=db ;", { orLabelSelectors: ["app=web", "app=db"] }],
    ["includeDependants", "true", { includeDependants: true }],
    [
      "ignoreGroupKinds",
      "ReplicaSet.apps, Endpoints,*.metrics.k8s.io",
      { ignoreGroupKinds: ["ReplicaSet.apps", "Endpoints", "*.metrics.k8s.io"] },
    ],
    ["includeNamespaces", "prod,team-*", { includeNamespaces: ["prod", "team-*"] }],
    ["excludeNamespaces", "kube-?ystem", { excludeNamespaces: ["kube-?ystem"] }],
    ["includeResources", "deployments.apps,configmaps", { includeResources: ["deployments.apps", "configmaps"] }],
    [
      "excludeResources",
      "events.events.k8s.io,*.metrics.k8s.io",
      { excludeResources: ["events.events.k8s.io", "*.metrics.k8s.io"] },
    ],
    ["includeClusterResources", "true", { includeClusterResources: true }],
    ["includeClusterResources", "false", { includeClusterResources: false }],
    ["includeClusterResources", "auto", { includeClusterResources: "auto" }],
    ["includeEvents", "true", { includeEvents: true }],
    ["gzipLevel", "9", { gzipLevel: 9 }],
    ["gzipLevel", "0", { gzipLevel: 0 }],
  ])("parses %s=%j", (name, value, expected) => {
    expect(parseTaskParams([{ name, value }])).toEqual({ ok: true, value: { ...DEFAULT_TASK_PARAMS, ...expected } });
  });

  it.each([
    [[{ name: "foo", value: "1" }], 'spec.task.params[0].name: unknown param "foo" (known: sanitize, labelSelector,'],
    [[{ name: "sanitize", value: "yes" }], 'spec.task.params[0].value: sanitize: must be "true" or "false"'],
    [
      [{ name: "includeClusterResources", value: "maybe" }],
      'spec.task.params[0].value: includeClusterResources: must be "true", "false" or "auto"',
    ],
    [
      [
        { name: "labelSelector", value: "app==" },
        { name: "labelSelector", value: "a" },
      ],
      'spec.task.params[1].name: duplicate param "labelSelector" (first at index 0)',
    ],
    [
      [{ name: "labelSelector", value: "app=web,,x" }],
      'spec.task.params[0].value: labelSelector: empty requirement in "app=web,,x"',
    ],
    [[{ name: "labelSelector", value: "app in web" }], 'labelSelector: "app in web" is not a label requirement'],
    [
      [{ name: "orLabelSelectors", value: "a=b;c d" }],
      'spec.task.params[0].value: orLabelSelectors: "c d" is not a label requirement',
    ],
    [
      [{ name: "includeNamespaces", value: "prod,Prod" }],
      'spec.task.params[0].value: includeNamespaces: "Prod" is not a namespace',
    ],
    [[{ name: "includeResources", value: "Deployments.apps" }], '"Deployments.apps" is not a resource.group'],
    [[{ name: "ignoreGroupKinds", value: "Deployment/apps" }], '"Deployment/apps" is not a Kind.group'],
    [[{ name: "gzipLevel", value: "10" }], "spec.task.params[0].value: gzipLevel: must be a whole number from 0 to 9"],
  ])("rejects %j with an error naming the field", (params, message) => {
    const result = parseTaskParams(params);
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.errors.join("\n")).toContain(message);
  });

  it("reports every bad param, under the path it is given", () => {
    const result = parseTaskParams(
      [
        { name: "sanitize", value: "true" },
        { name: "bogus", value: "" },
        { name: "includeEvents", value: "no" },
      ],
      "params",
    );
    expect(result).toEqual({
      ok: false,
      errors: [
        expect.stringMatching(/^params\[1\]\.name: unknown param "bogus"/),
        'params[2].value: includeEvents: must be "true" or "false"',
      ],
    });
  });

  it("does not share default lists between results", () => {
    const first = parseTaskParams([]);
    if (!first.ok) throw new Error(first.errors.join("; "));
    first.value.includeNamespaces.push("mutated");
    expect(DEFAULT_TASK_PARAMS.includeNamespaces).toEqual([]);
  });
});
