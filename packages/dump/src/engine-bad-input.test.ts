import { seedCluster } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DumpOptions, SelectorSyntaxError, TargetNotFoundError, UnknownResourceError } from "./index.js";
import { client, dump, env, P, SHOP } from "./test-support.js";

beforeAll(async () => {
  await seedCluster(env, P);
});
afterAll(() => client.close());

describe("bad input", () => {
  it.each<[string, DumpOptions, new (...a: never[]) => Error, RegExp]>([
    [
      "a bad selector",
      { scope: { type: "cluster" }, labelSelector: "app in (web" },
      SelectorSyntaxError,
      /labelSelector/,
    ],
    [
      "a bad OR selector",
      { scope: { type: "cluster" }, orLabelSelectors: ["app=web", "=x"] },
      SelectorSyntaxError,
      /orLabelSelectors\[1\]/,
    ],
    [
      "an unknown resource",
      { scope: { type: "cluster" }, includeResources: ["deploymentz.apps"] },
      UnknownResourceError,
      /includeResources: .*"deploymentz\.apps"/,
    ],
    [
      "an unknown kind",
      { scope: { type: "cluster" }, ignoreGroupKinds: ["Foo.bar"] },
      UnknownResourceError,
      /ignoreGroupKinds/,
    ],
    [
      "a missing namespace",
      { scope: { type: "namespace", namespace: "no-such-ns" } },
      TargetNotFoundError,
      /namespace "no-such-ns" not found/,
    ],
    [
      "a missing target",
      {
        scope: {
          type: "application",
          includeDependants: true,
          target: { apiVersion: "apps/v1", kind: "Deployment", namespace: SHOP, name: "nope" },
        },
      },
      TargetNotFoundError,
      /Deployment dmp-shop\/nope not found/,
    ],
  ])("rejects %s with an error naming it", async (_n, opts, type, message) => {
    const err = await dump(opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(type);
    expect((err as Error).message).toMatch(message);
  });
});
