// The command line of a benchmark script (test/bench/gateway.mjs, restore.mjs).
import { parseArgs } from "node:util";

/**
 * Reads the options (parseArgs's `options`, plus --help): on --help prints `usage` and exits 0.
 * `int(name)` is the option's value as a whole number above 0 (`int(name, 0)`: 0 or above); any
 * other value names the option, prints the usage and exits 2.
 */
export function benchArgs(options, usage) {
  const { values: args } = parseArgs({ options: { ...options, help: { type: "boolean" } } });
  if (args.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  const int = (name, least = 1) => {
    const n = Number(args[name]);
    if (!Number.isInteger(n) || n < least) {
      console.error(
        `--${name} "${args[name]}": a whole number ${least === 1 ? "above 0" : `of ${least} or more`}\n${usage}`,
      );
      process.exit(2);
    }
    return n;
  };
  return { args, int };
}
