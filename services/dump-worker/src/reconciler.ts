import { type Job, UnrecoverableError } from "@kubedump/queue";
import type { Logger } from "@kubedump/service";

/**
 * What load found. `done`: nothing to do (the object is gone or already finished), the job ends
 * with this value. `work`: what run needs; with `outcome` set, load already knows how the job
 * ends (e.g. Skipped) and run is not called.
 */
export type Loaded<W, O> = { done: string } | { work: W; outcome?: O };

/** What record is told, in order: the work started; it finished with an outcome; or it failed. */
export type Report<W, O> =
  | { kind: "started"; work: W }
  | { kind: "finished"; work: W; outcome: O }
  /** `final`: no retry follows (an UnrecoverableError, or the job's last attempt). `work` is unset when load failed. */
  | { kind: "failed"; work?: W; error: Error; final: boolean };

/** A run that outlived its deadline: terminal, since a retry would take as long. */
export class JobTimedOutError extends UnrecoverableError {
  override name = "JobTimedOutError";
}

/**
 * One job as a reconciler in three steps, as controller-runtime shapes a Reconcile:
 * load (read and validate; an invalid spec throws an UnrecoverableError), run (do the work,
 * return an outcome, write no status), record (status, Events, metrics). Plain errors are
 * retried by BullMQ with the job's attempts and backoff.
 */
export interface Reconciler<D, W, O extends { phase: string }> {
  /** Names one job in the log, e.g. `backup`. */
  what: string;
  /** The log fields that name the job's object, e.g. `{ namespace, session }`. */
  logFields(data: D): Record<string, unknown>;
  load(job: Job<D>, log: Logger): Promise<Loaded<W, O>>;
  run(work: W, ctx: { log: Logger; signal: AbortSignal }): Promise<O>;
  record(job: Job<D>, report: Report<W, O>, log: Logger): Promise<void>;
  /** How long run may take, if limited; past it run's signal aborts and the job fails with JobTimedOutError(message). */
  deadline?(work: W): { ms: number; message: string } | undefined;
  /** Releases what load acquired (a lock); called once the job ends, after record. */
  release?(work: W): Promise<void>;
}

/**
 * A BullMQ processor of a Reconciler. It is the one place that logs a job's failure (each failed
 * attempt once, as a warning while retries follow, as an error when final) and rethrows it for
 * BullMQ, which retries a plain error and stops on an UnrecoverableError. Returns the phase.
 */
export function reconcilerProcessor<D, W, O extends { phase: string }>(
  r: Reconciler<D, W, O>,
  deps: { log: Logger },
): (job: Job<D>) => Promise<string> {
  return async (job) => {
    const attempt = job.attemptsMade + 1;
    const log = deps.log.child({ ...r.logFields(job.data), jobId: job.id, attempt });
    let work: W | undefined;
    try {
      const loaded = await r.load(job, log);
      if ("done" in loaded) return loaded.done;
      work = loaded.work;
      const outcome = loaded.outcome ?? (await runStarted(r, job, loaded.work, log));
      await r.record(job, { kind: "finished", work: loaded.work, outcome }, log);
      return outcome.phase;
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      const final = error instanceof UnrecoverableError || attempt >= (job.opts.attempts ?? 1);
      const recordErr: unknown = final
        ? await r.record(job, { kind: "failed", work, error, final }, log).then(
            () => undefined,
            (e: unknown) => e ?? new Error("recording the failure failed"),
          )
        : undefined;
      if (!final) log.warn({ err: error }, `${r.what} attempt ${attempt} failed, will retry: ${error.message}`);
      else if (recordErr)
        log.error({ err: error, recordErr }, `${r.what} failed, and so did recording it: ${error.message}`);
      else log.error({ err: error }, `${r.what} failed: ${error.message}`);
      throw error;
    } finally {
      if (work !== undefined && r.release) await r.release(work).catch(() => {});
    }
  };
}

/** Records the start, then runs within the deadline; an aborted run fails with the abort's reason. */
async function runStarted<D, W, O extends { phase: string }>(
  r: Reconciler<D, W, O>,
  job: Job<D>,
  work: W,
  log: Logger,
): Promise<O> {
  await r.record(job, { kind: "started", work }, log);
  const abort = new AbortController();
  const deadline = r.deadline?.(work);
  const timer = deadline && setTimeout(() => abort.abort(new JobTimedOutError(deadline.message)), deadline.ms);
  try {
    return await r.run(work, { log, signal: abort.signal });
  } catch (err) {
    throw abort.signal.aborted ? abort.signal.reason : err;
  } finally {
    clearTimeout(timer);
  }
}
