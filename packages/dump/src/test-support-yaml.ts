// Helpers of yamlLoad's tests; excluded from the build (tsconfig.build.json). A test file that uses
// them spies on js-yaml's load first (vi.mock, as yaml-load.test.ts does), to count fallbacks.
import { PROPERTY_RUNS, parsesOrRefuses } from "@kubedump/testenv";
import * as jsYaml from "js-yaml";
import { isDeepStrictEqual } from "node:util";
import { expect, vi } from "vitest";
import { yamlLoad } from "./yaml-load.js";

export { PROPERTY_RUNS };
/** Bounded time, but generous: the test machine is shared and js-yaml takes a few ms on long strings. */
const SLOW_MS = 2_000;

/**
 * Checks that yamlLoad gives what js-yaml's load gives: equal values (prototypes, -0 and key order
 * included), or the same error. Returns whether yamlLoad handed the text to js-yaml.
 */
export function expectSameAsJsYaml(text: string): boolean {
  const jsLoad = vi.mocked(jsYaml.load);
  jsLoad.mockClear();
  const outcome = parsesOrRefuses(() => yamlLoad(text), [jsYaml.YAMLException], SLOW_MS);
  const fellBack = jsLoad.mock.calls.length > 0;
  const expected = parsesOrRefuses(() => jsLoad(text), [jsYaml.YAMLException], SLOW_MS);
  // toStrictEqual compares `constructor`, which may be a key here; isDeepStrictEqual compares prototypes.
  const same = isDeepStrictEqual(outcome, expected) && JSON.stringify(outcome) === JSON.stringify(expected);
  if (!same) expect({ text, outcome }).toEqual({ text, outcome: expected });
  expect(same).toBe(true);
  return fellBack;
}
