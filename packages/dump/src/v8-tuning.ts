import { setFlagsFromString } from "node:v8";

/**
 * V8 settings of kubedump's own processes (the CLI, the dump worker), chosen on the dump
 * benchmark because they save CPU a dump takes (docs/benchmarks.md, "What moved it").
 * - A function is optimized after running longer than by default, so it has seen more of the
 *   object shapes a cluster holds: fewer deoptimizations and compilations of the same function
 *   when the dump moves from ConfigMaps to Deployments to Secrets.
 * - Smaller functions are inlined only, so one deoptimization recompiles less code.
 * Both only steer the JIT compiler; what the code does is the same.
 */
export const DUMP_V8_FLAGS = ["--interrupt-budget=300000", "--max-inlined-bytecode-size=100"] as const;

let applied = false;

/** Applies DUMP_V8_FLAGS to this process, once; for the main module of a kubedump process, not for libraries. */
export function tuneV8ForDumps(): void {
  if (applied) return;
  applied = true;
  for (const flag of DUMP_V8_FLAGS) setFlagsFromString(flag);
}
