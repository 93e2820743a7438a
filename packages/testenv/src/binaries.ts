import { spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Pinned versions of every binary the test environment runs. */
export const VERSIONS = {
  "kube-apiserver": "v1.36.3",
  "kube-controller-manager": "v1.36.3",
  kubectl: "v1.36.3",
  /** The Go client's pusher of the gateway tests (go/pusher): client_golang's version, -rN bumped when it changes. */
  "go-pusher": "v1.25.0-r2",
  etcd: "v3.6.16",
  minio: "v0.0.0-20260212201848-7aac2a2c5b7c",
  helm: "v4.3.1",
  promtool: "v0.303.0",
  pushgateway: "v1.11.3",
  toxiproxy: "v2.12.0",
  /** The GitHub Actions workflow linter, for the test of .github/workflows. */
  actionlint: "v1.7.12",
} as const;

export type BinaryName = keyof typeof VERSIONS;
export const BINARY_NAMES = Object.keys(VERSIONS) as BinaryName[];

const BUILD_SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), "../scripts/build-binary.sh");
const HEARTBEAT_MS = 60_000;

export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.KUBEDUMP_TESTENV_CACHE ?? join(homedir(), ".cache", "kubedump-testenv");
}

export function binaryPath(name: BinaryName, env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), `${name}-${VERSIONS[name]}`, name);
}

export class BinaryBuildError extends Error {
  override name = "BinaryBuildError";
}

type Progress = (message: string) => void;
const inFlight = new Map<BinaryName, Promise<string>>();

/** Returns the cached binary, building it from Go modules first when it is missing. */
export function ensureBinary(name: BinaryName, progress: Progress = defaultProgress): Promise<string> {
  const path = binaryPath(name);
  if (existsSync(path)) return Promise.resolve(path);
  let pending = inFlight.get(name);
  if (!pending) {
    pending = build(name, path, progress).finally(() => inFlight.delete(name));
    inFlight.set(name, pending);
  }
  return pending;
}

/** Builds every missing binary, one at a time (each build already uses every core). */
export async function ensureAllBinaries(progress: Progress = defaultProgress): Promise<Record<BinaryName, string>> {
  const out = {} as Record<BinaryName, string>;
  for (const name of BINARY_NAMES) out[name] = await ensureBinary(name, progress);
  return out;
}

function defaultProgress(message: string): void {
  process.stderr.write(`testenv: ${message}\n`);
}

async function build(name: BinaryName, path: string, progress: Progress): Promise<string> {
  const version = VERSIONS[name];
  const dest = dirname(path);
  mkdirSync(dest, { recursive: true });
  const logPath = join(cacheRoot(), "logs", `${name}-${version}.log`);
  mkdirSync(dirname(logPath), { recursive: true });
  const args = [BUILD_SCRIPT, name, version, dest];
  const command = `bash ${args.join(" ")}`;
  progress(
    `building ${name} ${version} from Go modules (first run only; kube-apiserver takes 10-20 min) — log: ${logPath}`,
  );
  const started = Date.now();
  const code = await new Promise<number>((done, fail) => {
    const log = createWriteStream(logPath);
    const child = spawn("bash", args, { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    const beat = setInterval(() => {
      progress(`still building ${name} (${Math.round((Date.now() - started) / 1000)} s)`);
    }, HEARTBEAT_MS);
    child.on("error", (err) => {
      clearInterval(beat);
      fail(err);
    });
    child.on("close", (exit) => {
      clearInterval(beat);
      log.end(() => done(exit ?? 1));
    });
  });
  if (code !== 0 || !existsSync(path)) {
    const output = existsSync(logPath) ? readFileSync(logPath, "utf8") : "";
    throw new BinaryBuildError(
      `building ${name} ${version} failed (exit ${code})\ncommand: ${command}\noutput:\n${output.slice(-20_000)}`,
    );
  }
  progress(`built ${name} ${version} in ${Math.round((Date.now() - started) / 1000)} s`);
  return path;
}
