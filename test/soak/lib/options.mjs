// The command line of the soak (test/soak/soak.mjs) and its seeded random numbers.
import { benchArgs } from "../../bench/lib/bench-args.mjs";

const USAGE = `usage: npm run soak -- [options]
  --minutes N              how long the services run before the checks (default 30)
  --configs N              BackupConfigurations on a one-minute schedule (default 20)
  --workers N              dump-worker processes (default 3)
  --kill-every-seconds N   about how often a random dump worker is SIGKILLed and restarted (default 150)
  --redis-down-seconds N   how long Redis is down in its one restart (default 5)
  --seed N                 seed of the random choices: which worker, when (default: the clock)
  --keep-logs              keep the services' logs after the run (they are kept anyway when a check fails)
  --json FILE              also write the figures (checks, kills, every RSS sample) to FILE`;

/** The soak's options, checked; exits 2 naming a bad one. */
export function soakOptions() {
  const { args, int } = benchArgs(
    {
      minutes: { type: "string", default: "30" },
      configs: { type: "string", default: "20" },
      workers: { type: "string", default: "3" },
      "kill-every-seconds": { type: "string", default: "150" },
      "redis-down-seconds": { type: "string", default: "5" },
      seed: { type: "string", default: String((Date.now() % 1_000_000) + 1) },
      "keep-logs": { type: "boolean", default: false },
      json: { type: "string" },
    },
    USAGE,
  );
  return {
    minutes: int("minutes"),
    configs: int("configs"),
    workers: int("workers"),
    killEverySeconds: int("kill-every-seconds"),
    redisDownSeconds: int("redis-down-seconds"),
    seed: int("seed"),
    keepLogs: args["keep-logs"],
    json: args.json,
  };
}

/** A small seeded generator (mulberry32): the same --seed makes the same choices. */
export function seededRandom(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    /** A number in [lo, hi). */
    between: (lo, hi) => lo + (hi - lo) * next(),
    /** A whole number in [0, n). */
    index: (n) => Math.floor(next() * n),
  };
}
