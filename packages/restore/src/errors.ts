import { IntegrityError } from "@kubedump/repository";

const SHOWN_PROBLEMS = 5;

/**
 * The snapshot failed its check before the restore wrote anything (or changed under the restore
 * after that check): a part or the index differs from snapshot.json, an archive path breaks the
 * layout, or an object differs from its index record. An IntegrityError, so callers that map
 * errors to exit codes treat it as every other damaged read.
 */
export class SnapshotDamagedError extends IntegrityError {
  readonly snapshotId: string;
  /** Every problem found, each naming the key or path concerned. */
  readonly problems: readonly string[];

  constructor(snapshotId: string, problems: readonly string[], when = "nothing was restored", options?: ErrorOptions) {
    const more = problems.length > SHOWN_PROBLEMS ? `; and ${problems.length - SHOWN_PROBLEMS} more` : "";
    super(
      `snapshots/${snapshotId}`,
      `the snapshot is damaged or forged, ${when}: ${problems.slice(0, SHOWN_PROBLEMS).join("; ")}${more}`,
      options,
    );
    this.snapshotId = snapshotId;
    this.problems = problems;
  }
}
