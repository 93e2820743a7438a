import { defineConfig } from "vitest/config";

// One run for the whole repo: unit tests beside the code, integration and end-to-end tests under
// test/, all sharing one set of real servers started by packages/testenv (see test/vitest.d.ts).
export default defineConfig({
  test: {
    include: [
      "packages/*/src/**/*.test.ts",
      "services/*/src/**/*.test.ts",
      "services/*/web/**/*.test.ts",
      "services/*/test/**/*.test.ts",
      "test/e2e/**/*.test.ts",
    ],
    globalSetup: ["packages/testenv/dist/vitest-setup.js"],
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 300_000,
    reporters: ["default", ["json", { outputFile: "test-results/vitest.json" }]],
  },
});
