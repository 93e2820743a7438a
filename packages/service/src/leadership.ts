import { createLeaderElector, type KubeClient } from "@kubedump/kube";
import type { Logger } from "pino";

export interface LeadershipOptions {
  client: KubeClient;
  log: Logger;
  /** false: act at once, as the only replica. */
  enabled: boolean;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  /** Starts the work a leader does; returns how to stop it. */
  lead: () => Promise<() => Promise<void>>;
}

export interface Leadership {
  start(): Promise<void>;
  stop(): Promise<void>;
  isLeader(): boolean;
}

/** Runs `lead` only while this replica holds the Lease (client-go semantics), stopping it on loss. */
export function createLeadership(opts: LeadershipOptions): Leadership {
  let stopWork: (() => Promise<void>) | undefined;
  let leading = false;
  let chain = Promise.resolve();
  const serial = (fn: () => Promise<void>) => {
    chain = chain.then(fn).catch((err: unknown) => opts.log.error({ err }, "leadership transition failed"));
    return chain;
  };
  const begin = () =>
    serial(async () => {
      leading = true;
      stopWork = await opts.lead();
      opts.log.info({ lease: `${opts.namespace}/${opts.name}`, identity: opts.identity }, "started leading");
    });
  const end = () =>
    serial(async () => {
      leading = false;
      const s = stopWork;
      stopWork = undefined;
      await s?.();
      opts.log.info({ lease: `${opts.namespace}/${opts.name}` }, "stopped leading");
    });
  const elector = opts.enabled
    ? createLeaderElector({
        client: opts.client,
        namespace: opts.namespace,
        name: opts.name,
        identity: opts.identity,
        leaseDurationMs: opts.leaseDurationMs,
        // Half the Lease: a leader that cannot renew steps down (sleep retryPeriod, then renewDeadline
        // of tries) about 2.6 s after its last renewal at a 4 s Lease, and its work has the rest, about
        // 1.4 s, to stop before another replica may take the Lease (2/3 left it about 0.7 s, which a
        // loaded machine's stop overran: test/e2e/faults-net-leader.test.ts).
        renewDeadlineMs: Math.floor(opts.leaseDurationMs / 2),
        retryPeriodMs: Math.max(200, Math.floor(opts.leaseDurationMs / 7)),
        onStartedLeading: () => void begin(),
        onStoppedLeading: () => void end(),
        onError: (err) => opts.log.warn({ err: err.message }, "leader election"),
      })
    : undefined;
  return {
    async start() {
      if (elector) elector.start();
      else await begin();
    },
    async stop() {
      if (elector) await elector.stop();
      await end();
    },
    isLeader: () => leading,
  };
}
