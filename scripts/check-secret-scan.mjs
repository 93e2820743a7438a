// Fails the test run when the end-of-run scan (packages/testenv vitest-setup) found the value of a
// Secret in a log the run wrote or in an Event; prints what was scanned either way.
import { readFileSync } from "node:fs";

const file = process.argv[2] ?? "test-results/secret-scan.json";
let scan;
try {
  scan = JSON.parse(readFileSync(file, "utf8"));
} catch (err) {
  console.error(`secret scan: no report at ${file} (${err.message}): the run ended before its teardown`);
  process.exit(1);
}
const what = `${scan.values} values of ${scan.secrets} Secrets in ${scan.files} log files (${scan.bytes} bytes) and ${scan.events} Events`;
if (scan.findings.length === 0) {
  console.log(`secret scan: ${what}: none found`);
} else {
  console.error(`secret scan: ${what}: ${scan.findings.length} found`);
  for (const f of scan.findings) console.error(`  the value of Secret ${f.secret} in ${f.where}`);
  process.exit(1);
}
