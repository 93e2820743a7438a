import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");

it("npm run demo -- --once: the first scheduled snapshot is committed, listed and its metrics served", {
  timeout: 400_000,
}, async () => {
  // The demo starts its own servers when KUBECONFIG, REDIS_URL and S3_ENDPOINT are not all given.
  const env = { ...process.env };
  for (const k of ["KUBECONFIG", "REDIS_URL", "S3_ENDPOINT", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"])
    delete env[k];
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [join(ROOT, "scripts/demo.mjs"), "--once", "--timeout", "180"],
    { env, maxBuffer: 16 << 20 },
  );
  const id = /BackupSession every-minute-\d+ Succeeded: snapshot (\S+), (\d+) objects/.exec(stdout);
  expect(id?.[1]).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{8}$/);
  expect(Number(id?.[2])).toBeGreaterThan(50);
  expect(stdout).toMatch(new RegExp(`^${id?.[1]}\\s+\\S+\\s+cluster\\s+${id?.[2]}\\s`, "m"));
  expect(stdout).toMatch(/kubedump_backup_session_success\{[^}]*invoker_name="every-minute"[^}]*\} 1/);
  expect(stdout).toContain("--once: the first scheduled snapshot is committed and listed");
});
