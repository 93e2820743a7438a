import { describe, expect, it } from "vitest";
import { parseObject } from "./step-reader.js";
import { rec } from "./test-builders.js";

const yaml = (text: string) => Buffer.from(text, "utf8");
const record = rec("configmaps", "web-config", { ns: "prod" });

describe("parseObject", () => {
  it("reads the YAML its record names, unicode and all", () => {
    const got = parseObject(
      record,
      yaml(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\n  namespace: prod\ndata:\n  greeting: grüße 🌍\n",
      ),
    );
    expect(got).toEqual({
      record,
      object: {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "web-config", namespace: "prod" },
        data: { greeting: "grüße 🌍" },
      },
    });
  });

  it.each([
    [
      "another name",
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: admin\n  namespace: prod\n",
      "v1 ConfigMap prod admin",
    ],
    [
      "another namespace",
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\n  namespace: kube-system\n",
      "v1 ConfigMap kube-system web-config",
    ],
    [
      "another kind",
      "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: web-config\n",
      "rbac.authorization.k8s.io/v1 ClusterRoleBinding - web-config",
    ],
  ])("refuses a YAML document that names %s than its record", (_what, text, names) => {
    expect(parseObject(record, yaml(text))).toEqual({
      record,
      problem: `its YAML names ${names}, its index record v1 ConfigMap prod web-config`,
    });
  });

  it.each([
    ["not YAML", "a: [b\n", /^its YAML cannot be read: /],
    ["a list", "- a\n- b\n", /^its YAML is not a Kubernetes object$/],
    ["without metadata", "apiVersion: v1\nkind: ConfigMap\n", /^its YAML is not a Kubernetes object$/],
  ])("refuses %s", (_what, text, problem) => {
    expect(parseObject(record, yaml(text)).problem).toMatch(problem);
  });
});
