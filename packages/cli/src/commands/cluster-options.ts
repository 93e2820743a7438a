import type { Command } from "commander";
import type { KubeClientOptions } from "@kubedump/kube";
import { UsageError } from "../target.js";

export interface ClusterFlags {
  kubeconfig?: string;
  context?: string;
  qps?: string;
  burst?: string;
}

/** The flags kubectl users expect, plus the client-side rate limit. */
export function clusterOptions(cmd: Command): Command {
  return cmd
    .option("--kubeconfig <file>", "kubeconfig file (default: $KUBECONFIG, ~/.kube/config, or in-cluster)")
    .option("--context <name>", "kubeconfig context (default: its current-context)")
    .option("--qps <n>", "client-side requests per second to the API server (default 50; 0: unlimited)")
    .option("--burst <n>", "client-side burst (default 100)");
}

export function clientOptions(flags: ClusterFlags): KubeClientOptions {
  return {
    kubeconfig: flags.kubeconfig,
    context: flags.context,
    qps: number(flags.qps, "--qps"),
    burst: number(flags.burst, "--burst"),
  };
}

function number(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${flag} "${v}": a number >= 0`);
  return n;
}
