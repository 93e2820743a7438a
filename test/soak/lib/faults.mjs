// The soak's faults: a random dump worker SIGKILLed (and started again) every few minutes, each
// kill a few seconds after a schedule slot, when backups run; and Redis restarted once across a slot.
import { startRedis } from "@kubedump/testenv";

const MINUTE = 60_000;
const sleepUntil = (t) => new Promise((r) => setTimeout(r, Math.max(0, t - Date.now())));

/** About `everyMs` after `prev` (±30 %), moved to the minute boundary before it (plus 0.2 s). */
export function nextKillAt(prev, everyMs, rand) {
  const t = prev + everyMs * rand.between(0.7, 1.3);
  let at = Math.floor(t / MINUTE) * MINUTE + 200;
  while (at < Date.now() + 5000) at += MINUTE;
  return at;
}

/** The names of the Running sessions once there are some, polled every 100 ms; [] after `ms`. */
async function runningSoon(running, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    const names = await running().catch(() => []);
    if (names.length || Date.now() > deadline) return names;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Until `endAt`: at the slots nextKillAt gives, once a session is Running (or 10 s passed),
 * SIGKILLs a random one of `workerLabels` and starts it again 2 s later, as a Deployment would.
 * Resolves with the kills: time, incarnation, and the sessions Running at that moment (the
 * killed worker may hold some of them; the others run on the other workers).
 */
export async function killWorkers({ services, workerLabels, everyMs, endAt, rand, running, log }) {
  const kills = [];
  for (let at = nextKillAt(Date.now(), everyMs, rand); at < endAt - 10_000; at = nextKillAt(at, everyMs, rand)) {
    await sleepUntil(at);
    const busy = await runningSoon(running, 10_000);
    const label = workerLabels[rand.index(workerLabels.length)];
    const killed = await services.stop(label, "SIGKILL");
    if (!killed) continue;
    kills.push({ at: Date.now(), id: killed.id, running: busy });
    log(`SIGKILL ${killed.id} (pid ${killed.pid}) while ${busy.length} sessions were Running: ${busy.join(", ")}`);
    await new Promise((r) => setTimeout(r, 2000));
    log(`started ${services.start("dump-worker", label).id}`);
  }
  return kills;
}

/** The minute boundary nearest to the middle of [startAt, endAt] (40–60 % of the way, by `rand`). */
export function redisRestartSlot(startAt, endAt, rand) {
  return Math.round((startAt + (endAt - startAt) * rand.between(0.4, 0.6)) / MINUTE) * MINUTE;
}

/**
 * Restarts Redis once as the chart runs it (append-only file on, SIGTERM, the same data directory
 * and port): stopped 2 s before `slot`, started again `downMs` later. Resolves with the new Redis.
 */
export async function restartRedis({ redis, dir, slot, downMs, log }) {
  await sleepUntil(slot - 2000);
  const stoppedAt = Date.now();
  await redis.process.stop();
  log(
    `Redis stopped (SIGTERM) at ${new Date(stoppedAt).toISOString()}, across the slot ${new Date(slot).toISOString()}`,
  );
  await sleepUntil(stoppedAt + downMs);
  const again = await startRedis(dir, { appendOnly: true, port: redis.port });
  log(
    `Redis started again on port ${again.port} with its append-only file, ${((Date.now() - stoppedAt) / 1000).toFixed(1)} s after the stop`,
  );
  return { redis: again, stoppedAt, startedAt: Date.now(), slot };
}
