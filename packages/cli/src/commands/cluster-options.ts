import type { Command } from "commander";
import type { KubeClientOptions } from "@kubedump/kube";
import { UsageError } from "../target.js";

export interface ClusterFlags {
  kubeconfig?: string;
  context?: string;
  qps?: string;
  burst?: string;
}

/** The client-side rate limit of a command; the kube client's own (50/100) suits reading. */
export interface RateDefaults {
  qps: number;
  burst: number;
}

const READ_RATE: RateDefaults = { qps: 50, burst: 100 };

/** The flags kubectl users expect, plus the client-side rate limit. */
export function clusterOptions(cmd: Command, rate: RateDefaults = READ_RATE): Command {
  return cmd
    .option("--kubeconfig <file>", "kubeconfig file (default: $KUBECONFIG, ~/.kube/config, or in-cluster)")
    .option("--context <name>", "kubeconfig context (default: its current-context)")
    .option("--qps <n>", `client-side requests per second to the API server (default ${rate.qps}; 0: unlimited)`)
    .option("--burst <n>", `client-side burst (default ${rate.burst})`);
}

export function clientOptions(flags: ClusterFlags, rate: RateDefaults = READ_RATE): KubeClientOptions {
  return {
    kubeconfig: flags.kubeconfig,
    context: flags.context,
    qps: number(flags.qps, "--qps") ?? rate.qps,
    burst: number(flags.burst, "--burst") ?? rate.burst,
  };
}

function number(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${flag} "${v}": a number >= 0`);
  return n;
}
