import type { RestoreSessionProgress } from "@kubedump/api";
import type { RestoreProgress } from "@kubedump/restore";
import type { Logger } from "@kubedump/service";
import { isoSeconds } from "./session-status.js";

/**
 * How often a running restore writes its progress into the RestoreSession's status at most; a
 * change of stage (verifying, restoring, waiting for CRDs, another pass) is written at once.
 * @defaultValue 5 s
 */
export const PROGRESS_INTERVAL_MS = 5_000;

export interface ProgressWriterDeps {
  /** Writes `status.progress` (a merge patch: a null field is removed). */
  write(progress: Record<string, unknown>): Promise<void>;
  now(): Date;
  log: Logger;
  /** @defaultValue PROGRESS_INTERVAL_MS */
  intervalMs?: number;
}

export interface ProgressWriter {
  /** The engine's onProgress: writes now, later (one write at a time, the newest figures), or not at all. */
  update(progress: RestoreProgress): void;
  /** Waits for the write in flight; nothing is written after. Returns the final figures for the last status. */
  close(): Promise<Record<string, unknown> | undefined>;
}

const stageOf = (p: RestoreProgress) => `${p.phase} ${p.pass}`;

/** The engine's progress as status.progress shows it (while the snapshot is verified, its figures are not known yet). */
export function progressStatus(p: RestoreProgress, now: Date): RestoreSessionProgress {
  if (p.phase === "verifying") return { step: "verifying the snapshot", lastUpdateTime: isoSeconds(now) };
  const step =
    p.phase === "establishing" ? `${p.step}: waiting for CustomResourceDefinitions to be Established` : p.step;
  return {
    objects: p.objects,
    objectsDone: p.objectsDone,
    pass: p.pass,
    ...(step ? { step } : {}),
    lastUpdateTime: isoSeconds(now),
  };
}

/**
 * Throttled progress writes of one restore: the first figures and every change of stage at once,
 * others at most every intervalMs, never two writes at once (figures that come meanwhile are
 * written when the one in flight ends). A failed write is logged once and the restore goes on.
 */
export function createProgressWriter(deps: ProgressWriterDeps): ProgressWriter {
  const intervalMs = deps.intervalMs ?? PROGRESS_INTERVAL_MS;
  let latest: RestoreProgress | undefined;
  let writtenStage: string | undefined;
  let writtenAt = 0;
  let inFlight: Promise<void> | undefined;
  let due = false;
  let closed = false;
  let warned = false;

  const send = (): void => {
    if (!latest) return;
    const now = deps.now();
    writtenStage = stageOf(latest);
    writtenAt = now.getTime();
    due = false;
    inFlight = deps
      .write(progressStatus(latest, now))
      .catch((err: unknown) => {
        if (!warned) deps.log.warn({ err }, "writing the restore's progress into its status failed; it goes on");
        warned = true;
      })
      .finally(() => {
        inFlight = undefined;
        if (due && !closed) send();
      });
  };

  return {
    update(progress) {
      if (closed) return;
      latest = progress;
      const stageChanged = stageOf(progress) !== writtenStage;
      if (!stageChanged && deps.now().getTime() - writtenAt < intervalMs) return;
      if (inFlight) due = true;
      else send();
    },
    async close() {
      closed = true;
      await inFlight;
      if (!latest) return undefined;
      // The final figures: no step any more (null removes the one written last).
      return { ...progressStatus(latest, deps.now()), step: null };
    },
  };
}
