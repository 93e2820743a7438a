import { describe, expect, it } from "vitest";
import { renderTextFormat } from "./render-text.js";
import { restoreMetricFamilies } from "./restore-metrics.js";

const labels = { namespace: "backups", session: "shop-copy", repository: "s3-repo" };

describe("restoreMetricFamilies", () => {
  it("gives success, duration and one objects sample per outcome, every one with the session's labels", () => {
    const families = restoreMetricFamilies(labels, {
      sessionSuccess: false,
      sessionDurationSeconds: 12.5,
      objects: { created: 7, failed: 1 },
    });
    expect(renderTextFormat(families)).toBe(
      [
        "# HELP kubedump_restore_session_success Whether the restore session restored every object (1) or not (0: some failed, or it could not run).",
        "# TYPE kubedump_restore_session_success gauge",
        'kubedump_restore_session_success{namespace="backups",restore_session="shop-copy",repository="s3-repo"} 0',
        "# HELP kubedump_restore_session_duration_seconds Time the restore session took, in seconds.",
        "# TYPE kubedump_restore_session_duration_seconds gauge",
        'kubedump_restore_session_duration_seconds{namespace="backups",restore_session="shop-copy",repository="s3-repo"} 12.5',
        "# HELP kubedump_restore_objects_total Objects of the restore session by outcome (label outcome).",
        "# TYPE kubedump_restore_objects_total gauge",
        'kubedump_restore_objects_total{namespace="backups",restore_session="shop-copy",repository="s3-repo",outcome="created"} 7',
        'kubedump_restore_objects_total{namespace="backups",restore_session="shop-copy",repository="s3-repo",outcome="failed"} 1',
        "",
      ].join("\n"),
    );
  });

  it("leaves out the objects of a restore that could not run", () => {
    const names = restoreMetricFamilies(labels, { sessionSuccess: false, sessionDurationSeconds: 0 }).map(
      (f) => f.name,
    );
    expect(names).toEqual(["kubedump_restore_session_success", "kubedump_restore_session_duration_seconds"]);
  });
});
