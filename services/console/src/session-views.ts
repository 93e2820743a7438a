import { BACKUP_CONFIGURATION_LABEL } from "@kubedump/api";

// biome-ignore lint/suspicious/noExplicitAny: custom objects as the API server returns them
export type Obj = Record<string, any>;

const seconds = (from?: string, to?: string) =>
  from && to ? Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000) : null;

/** Why a session ended as it did: the first condition that is False, else null. */
function reasonOf(s: Obj): string | null {
  const c = (s.status?.conditions as Obj[] | undefined)?.find((x) => x.status === "False");
  return c ? [c.reason, c.message].filter(Boolean).join(": ") : null;
}

/** A BackupSession as the console lists it. */
export function sessionView(s: Obj) {
  const status = s.status ?? {};
  return {
    namespace: s.metadata.namespace as string,
    name: s.metadata.name as string,
    configuration:
      (s.metadata.labels?.[BACKUP_CONFIGURATION_LABEL] as string | undefined) ?? s.spec?.invoker?.name ?? null,
    phase: (status.phase as string | undefined) ?? "Pending",
    created: s.metadata.creationTimestamp as string,
    startTime: status.startTime ?? null,
    completionTime: status.completionTime ?? null,
    durationSeconds: seconds(status.startTime, status.completionTime),
    snapshot: status.snapshot?.id ?? null,
    reason: reasonOf(s),
  };
}
export type SessionView = ReturnType<typeof sessionView>;

/** A BackupConfiguration as the console lists it, with its newest session. */
export function configurationView(c: Obj, sessions: readonly SessionView[]) {
  const mine = sessions.filter((s) => s.namespace === c.metadata.namespace && s.configuration === c.metadata.name);
  const last = mine.reduce<SessionView | undefined>((a, s) => (!a || s.created > a.created ? s : a), undefined);
  return {
    namespace: c.metadata.namespace as string,
    name: c.metadata.name as string,
    schedule: c.spec?.schedule ?? null,
    paused: c.spec?.paused === true,
    target: c.spec?.target ?? null,
    repository: c.spec?.repository?.name ?? null,
    phase: c.status?.phase ?? null,
    lastSession: last ? { name: last.name, phase: last.phase, completionTime: last.completionTime } : null,
  };
}

/** A RestoreSession as the console shows it: its phase and everything its status and spec carry. */
export function restoreView(r: Obj) {
  return {
    namespace: r.metadata.namespace as string,
    name: r.metadata.name as string,
    phase: r.status?.phase ?? "Pending",
    dryRun: r.spec?.dryRun === true,
    spec: r.spec ?? {},
    status: r.status ?? {},
  };
}
