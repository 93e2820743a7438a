// Prints vitest's result as the plain closing line 'N passed, N failed' (and says so when vitest
// failed outside any test, e.g. on an unhandled error).
import { readFileSync } from "node:fs";

const file = process.argv[2] ?? "test-results/vitest.json";
const r = JSON.parse(readFileSync(file, "utf8"));
const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
if (r.success === false && r.numFailedTests === 0)
  console.log("vitest failed outside the tests (an unhandled error or a failed suite): see above");
console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
