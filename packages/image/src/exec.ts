import { execFile } from "node:child_process";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** A step of the image build failed; the message names the step and what it ran. */
export class ImageBuildError extends Error {
  override name = "ImageBuildError";
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** Runs a host tool and returns its standard output; a failure names the command and ends its stderr. */
export async function run(command: string, args: string[], opts: RunOptions = {}): Promise<string> {
  try {
    const { stdout } = await execFileAsync(command, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      maxBuffer: 256 << 20,
      encoding: "utf8",
    });
    return stdout;
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    const detail =
      e.code === "ENOENT" ? `${command} is not installed (see scripts/setup.sh)` : (e.stderr ?? "").trim().slice(-2000);
    throw new ImageBuildError(`${command} ${args.join(" ")} failed: ${detail || e.message}`, { cause: err });
  }
}
