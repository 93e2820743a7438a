// A RestoreSession's outcome as the console shows it: phase, counts per outcome, failures, warnings.
import { get } from "../api.js";
import { el, phaseBadge, table } from "../dom.js";
import { count } from "../format.js";
import type { Created } from "../types.js";

export interface RestoreStatus {
  phase?: string;
  counts?: Record<string, number>;
  failures?: { type: string; namespace?: string; name: string; reason: string }[];
  failuresTruncated?: number;
  warnings?: string[];
  snapshot?: string;
}

const FINISHED = ["Succeeded", "PartiallySucceeded", "Failed"];
const POLL_MS = 1500;

/** The status whichever way the server wraps it ({phase, status} or {phase, report} or flat). */
export function statusOf(answer: Record<string, unknown>): RestoreStatus {
  const inner = (answer["status"] ?? answer["report"]) as RestoreStatus | undefined;
  return { ...(inner ?? {}), ...(answer as RestoreStatus), phase: (answer["phase"] as string) ?? inner?.phase };
}

/** Polls the session until it is finished; `progress` hears each phase. */
export async function waitForRestore(created: Created, progress: (phase: string) => void): Promise<RestoreStatus> {
  const path = `/api/v1/restoresessions/${encodeURIComponent(created.namespace)}/${encodeURIComponent(created.name)}`;
  for (;;) {
    const s = statusOf(await get<Record<string, unknown>>(path));
    const phase = s.phase ?? "Pending";
    progress(phase);
    if (FINISHED.includes(phase)) return s;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** The report of a finished restore (`title` says whether it was the dry run). */
export function restoreReport(title: string, s: RestoreStatus): HTMLElement {
  const counts = Object.entries(s.counts ?? {}).flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, count(v))]);
  const failures = s.failures ?? [];
  return el(
    "div",
    { class: "restore-report", "data-phase": s.phase ?? "" },
    el("h3", {}, title, " ", phaseBadge(s.phase)),
    counts.length ? el("dl", { class: "summary counts" }, ...counts) : el("p", {}, "No objects counted."),
    failures.length
      ? table(
          `${failures.length + (s.failuresTruncated ?? 0)} objects failed`,
          ["Type", "Namespace", "Name", "Reason"],
          failures.map((f) => [f.type, f.namespace ?? "", f.name, f.reason]),
        )
      : null,
    s.warnings?.length ? el("ul", { class: "warnings" }, ...s.warnings.map((w) => el("li", {}, w))) : null,
  );
}
