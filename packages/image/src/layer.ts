// One image layer from one directory that holds the layer's files at their paths in the image: a
// reproducible tar (sorted, owner 0:0, mtime 0, no atime/ctime) through gzip, with the two digests
// OCI needs (of the gzip blob, and of the tar: the config's diff_id).
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, createWriteStream, lstatSync, readdirSync, renameSync } from "node:fs";
import { join } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { ImageBuildError } from "./exec.js";

export interface LayerBlob {
  /** The gzip blob. */
  path: string;
  /** sha256:… of the gzip blob. */
  digest: string;
  size: number;
  /** sha256:… of the uncompressed tar. */
  diffId: string;
  /** Bytes of the uncompressed tar (about what the layer takes unpacked). */
  tarSize: number;
}

/**
 * Owner-only write everywhere: directories and executables 0755, other files 0644 (so a process of
 * another user can read everything and change nothing), except the modes `special` names by path.
 */
export function normaliseModes(dir: string, special: Record<string, number> = {}, rel = ""): void {
  for (const entry of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const path = rel ? `${rel}/${entry.name}` : entry.name;
    const abs = join(dir, path);
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) normaliseModes(dir, special, path);
    const mode = special[path] ?? (entry.isDirectory() || lstatSync(abs).mode & 0o111 ? 0o755 : 0o644);
    chmodSync(abs, mode);
  }
}

const TAR_OPTIONS = [
  "--sort=name",
  "--mtime=@0",
  "--owner=0",
  "--group=0",
  "--numeric-owner",
  "--format=posix",
  "--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime",
];

/** A byte counter and sha256 on the way through a pipeline. */
function tap() {
  const hash = createHash("sha256");
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  return { stream, result: () => ({ digest: `sha256:${hash.digest("hex")}`, size }) };
}

/** Writes the layer blob of `dir` (its entries, not `dir` itself) to `out`, atomically. */
export async function writeLayer(dir: string, out: string): Promise<LayerBlob> {
  const entries = readdirSync(dir).sort();
  const tar = spawn("tar", ["--create", "--file=-", `--directory=${dir}`, ...TAR_OPTIONS, "--null", "--files-from=-"], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  tar.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((done, fail) => {
    tar.on("error", fail);
    tar.on("close", done);
  });
  tar.stdin.end(entries.map((e) => `${e}\0`).join(""));
  const [plain, gzipped] = [tap(), tap()];
  const tmp = `${out}.${process.pid}.tmp`;
  await pipeline(tar.stdout, plain.stream, createGzip(), gzipped.stream, createWriteStream(tmp));
  const code = await exited;
  if (code !== 0) throw new ImageBuildError(`tar of ${dir} exited with ${code}: ${stderr.trim().slice(-1000)}`);
  renameSync(tmp, out);
  const [uncompressed, gz] = [plain.result(), gzipped.result()];
  return { path: out, digest: gz.digest, size: gz.size, diffId: uncompressed.digest, tarSize: uncompressed.size };
}
