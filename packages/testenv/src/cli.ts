#!/usr/bin/env node
import { parseArgs } from "node:util";
import { ensureAllBinaries, VERSIONS } from "./binaries.js";
import { startTestEnv, writeEnvFile } from "./testenv.js";

const USAGE = `usage:
  kubedump-testenv up --env-file <path> [--controllers]
                                          start every server, write <path>, stay up until SIGTERM/SIGINT;
                                          --controllers also runs kube-controller-manager
  kubedump-testenv build                  build any missing binary into the cache
  kubedump-testenv versions               print the pinned versions`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      "env-file": { type: "string" },
      "keep-dir": { type: "boolean" },
      controllers: { type: "boolean" },
      help: { type: "boolean" },
    },
  });
  const command = positionals[0];
  if (values.help || !command) {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  if (command === "versions") {
    for (const [name, version] of Object.entries(VERSIONS)) console.log(`${name} ${version}`);
    return 0;
  }
  if (command === "build") {
    const paths = await ensureAllBinaries();
    for (const [name, path] of Object.entries(paths)) console.log(`${name} ${path}`);
    return 0;
  }
  if (command !== "up") {
    console.error(`kubedump-testenv: unknown command '${command}'\n${USAGE}`);
    return 2;
  }
  const envFile = values["env-file"];
  if (!envFile) {
    console.error("kubedump-testenv up: --env-file <path> is required");
    return 2;
  }
  const env = await startTestEnv({ keepDir: values["keep-dir"], controllers: values.controllers });
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`testenv: ${signal}, stopping every server\n`);
    await env.stop();
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
  writeEnvFile(envFile, env);
  process.stderr.write(`testenv: up; wrote ${envFile} (source it: set -a; . ${envFile}; set +a)\n`);
  await new Promise(() => {}); // until a signal
  return 0;
}

main(process.argv.slice(2).filter((a, i) => !(i === 0 && a === "--"))).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`kubedump-testenv: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
