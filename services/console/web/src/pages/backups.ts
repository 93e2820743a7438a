import { get, post, query } from "../api.js";
import { lineChart } from "../chart.js";
import { el, notice, phaseBadge, replace, table } from "../dom.js";
import { duration, time } from "../format.js";
import { errorBox, header, section } from "../links.js";
import type { View } from "../router.js";
import type { BackupConfigurationItem, BackupSessionItem, Created } from "../types.js";

const FINISHED = ["Succeeded", "PartiallySucceeded", "Failed", "Skipped"];
/** How often a triggered session is polled. */
const POLL_MS = 1500;

const refName = (r: BackupConfigurationItem["repository"]) => (typeof r === "object" && r ? r.name : (r ?? "–"));
const lastText = (l: BackupConfigurationItem["lastSession"]) =>
  typeof l === "object" && l ? [l.name, l.phase].filter(Boolean).join(" ") : (l ?? "–");
const snapText = (s: BackupSessionItem["snapshot"]) => (typeof s === "object" && s ? (s.id ?? "–") : (s ?? "–"));

function sessionsTable(sessions: BackupSessionItem[]): HTMLElement {
  const sorted = [...sessions].sort((a, b) => (b.startTime ?? "").localeCompare(a.startTime ?? ""));
  return table(
    `${sorted.length} BackupSessions, newest first`,
    ["Session", "Configuration", "Phase", "Started", "Duration", "Snapshot", "Reason"],
    sorted.map((s) => [
      el("span", { class: "mono" }, `${s.namespace}/${s.name}`),
      s.configuration ?? "–",
      phaseBadge(s.phase),
      time(s.startTime),
      duration(s.durationSeconds),
      el("span", { class: "mono" }, snapText(s.snapshot)),
      s.reason ?? "",
    ]),
  );
}

function durationsChart(sessions: BackupSessionItem[]): HTMLElement {
  const points = sessions
    .filter((s) => s.startTime && typeof s.durationSeconds === "number")
    .map((s) => ({ x: Date.parse(s.startTime!), y: s.durationSeconds!, label: `${s.namespace}/${s.name}` }));
  return lineChart({ title: "Duration of each BackupSession", points, format: duration, series: "series-a" });
}

/** Polls a triggered session until it is finished, saying its phase in `status`. */
async function follow(created: Created, status: HTMLElement, refresh: () => Promise<void>): Promise<void> {
  for (;;) {
    if (!status.isConnected) return;
    const list = await get<BackupSessionItem[]>(`/api/v1/backupsessions${query({ namespace: created.namespace })}`);
    const s = list.find((x) => x.name === created.name);
    const phase = s?.phase ?? "Pending";
    const done = FINISHED.includes(phase);
    const kind = !done ? "info" : phase === "Succeeded" ? "ok" : "error";
    replace(status, notice(`BackupSession ${created.namespace}/${created.name}: ${phase}`, kind));
    status.setAttribute("data-phase", phase);
    if (done) return refresh();
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

function triggerButton(c: BackupConfigurationItem, status: HTMLElement, refresh: () => Promise<void>) {
  const button = el(
    "button",
    { type: "button", class: "trigger" },
    "Back up now",
    el("span", { class: "sr-only" }, `: ${c.namespace}/${c.name}`),
  );
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const path = `/api/v1/backupconfigurations/${encodeURIComponent(c.namespace)}/${encodeURIComponent(c.name)}/trigger`;
      const created = await post<Created>(path);
      replace(status, notice(`BackupSession ${created.namespace}/${created.name} created`));
      await follow(created, status, refresh);
    } catch (err) {
      replace(status, errorBox(err));
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

/** BackupConfigurations with a button each, BackupSessions with their durations. */
export async function backupsPage({ main }: View): Promise<void> {
  main.append(header("Backups"));
  const status = el("div", { class: "trigger-status", "aria-live": "polite" });
  const sessionsBox = el("div", {});
  const refresh = async () => {
    try {
      const sessions = await get<BackupSessionItem[]>("/api/v1/backupsessions");
      replace(sessionsBox, durationsChart(sessions), sessionsTable(sessions));
    } catch (err) {
      replace(sessionsBox, errorBox(err));
    }
  };
  const [configs] = await Promise.all([
    get<BackupConfigurationItem[]>("/api/v1/backupconfigurations").catch((err: unknown) => errorBox(err)),
    refresh(),
  ]);
  const configTable =
    configs instanceof HTMLElement
      ? configs
      : table(
          "BackupConfigurations",
          ["Configuration", "Schedule", "Repository", "Phase", "Last session", "Action"],
          configs.map((c) => [
            el("span", { class: "mono" }, `${c.namespace}/${c.name}`),
            `${c.schedule ?? "–"}${c.paused ? " (paused)" : ""}`,
            refName(c.repository),
            phaseBadge(c.phase),
            lastText(c.lastSession),
            triggerButton(c, status, refresh),
          ]),
        );
  main.append(
    section("configurations", "BackupConfigurations", status, configTable),
    section("sessions", "BackupSessions", sessionsBox),
  );
}
