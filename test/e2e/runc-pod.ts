// A Deployment's Pod, as the chart renders it, turned into the OCI runtime config a kubelet and
// containerd would give runc for its one container: the image's entrypoint with the container's
// args, the Pod's user and groups, the container's securityContext (read-only root, dropped
// capabilities, no privilege escalation), its environment, its emptyDirs as tmpfs mounts, the
// ServiceAccount token where the kubelet mounts it, and its CPU and memory limits. The Pod shares
// the host's network namespace, so 127.0.0.1 reaches the test servers.
import type { Obj } from "./harness.js";

export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
/** The capabilities containerd gives a container before its securityContext drops or adds any. */
const RUNTIME_DEFAULT_CAPS = [
  "CHOWN",
  "DAC_OVERRIDE",
  "FSETID",
  "FOWNER",
  "MKNOD",
  "NET_RAW",
  "SETGID",
  "SETUID",
  "SETFCAP",
  "SETPCAP",
  "NET_BIND_SERVICE",
  "SYS_CHROOT",
  "KILL",
  "AUDIT_WRITE",
];

export interface PodRuntime {
  deployment: Obj;
  /** The image config's `config` (User, Env, Entrypoint, Cmd, WorkingDir). */
  image: Obj;
  rootfs: string;
  podName: string;
  /** The container's environment as the kubelet resolves it (Secrets and the downward API read). */
  env: Record<string, string>;
  /** A host directory holding token, ca.crt and namespace, or undefined when no token is mounted. */
  serviceAccountDir: string | undefined;
  /** Host files bind-mounted read-only at /etc/hosts and /etc/resolv.conf, as the kubelet does. */
  etcHosts: string;
  resolvConf: string;
}

/** Whether the kubelet mounts a token: the Pod's automountServiceAccountToken, else its ServiceAccount's, else true. */
export function mountsToken(deployment: Obj, serviceAccount: Obj | undefined): boolean {
  return (
    deployment.spec.template.spec.automountServiceAccountToken ?? serviceAccount?.automountServiceAccountToken ?? true
  );
}

const BYTE_UNITS: Record<string, number> = {
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
};

/** Bytes of a Kubernetes quantity ("64Mi", "4Gi", "512M", "1000"). */
export function bytesOf(q: string): number {
  const m = /^(\d+(?:\.\d+)?)(k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(q);
  if (!m) throw new RangeError(`quantity "${q}" is not a byte size`);
  return Math.round(Number(m[1]) * (BYTE_UNITS[m[2] ?? ""] as number));
}

/** CPU quota (µs per 100 ms period) of a CPU quantity ("500m", "2"). */
export const cpuQuotaOf = (q: string) =>
  Math.round((q.endsWith("m") ? Number(q.slice(0, -1)) / 1000 : Number(q)) * 100_000);

function mounts(p: PodRuntime, pod: Obj, container: Obj): Obj[] {
  const fsGroup = pod.securityContext?.fsGroup;
  const volumes = new Map<string, Obj>((pod.volumes ?? []).map((v: Obj) => [v.name, v]));
  const own = (container.volumeMounts ?? []).map((m: Obj) => {
    const v = volumes.get(m.name);
    if (!v?.emptyDir) throw new Error(`${p.deployment.metadata.name}: volume ${m.name} is not an emptyDir`);
    // An emptyDir is 0777, group-owned by fsGroup with the setgid bit; its sizeLimit bounds it.
    const options = ["nosuid", "nodev", fsGroup ? `mode=2777,gid=${fsGroup}` : "mode=0777"];
    if (v.emptyDir.sizeLimit) options.push(`size=${bytesOf(v.emptyDir.sizeLimit)}`);
    return { destination: m.mountPath, type: "tmpfs", source: "tmpfs", options };
  });
  const bind = (source: string, destination: string) => ({
    destination,
    type: "bind",
    source,
    options: ["rbind", "ro", "nosuid", "nodev"],
  });
  return [
    { destination: "/proc", type: "proc", source: "proc" },
    {
      destination: "/dev",
      type: "tmpfs",
      source: "tmpfs",
      options: ["nosuid", "strictatime", "mode=755", "size=65536k"],
    },
    {
      destination: "/dev/pts",
      type: "devpts",
      source: "devpts",
      options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"],
    },
    {
      destination: "/dev/shm",
      type: "tmpfs",
      source: "shm",
      options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"],
    },
    { destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"] },
    { destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"] },
    bind(p.etcHosts, "/etc/hosts"),
    bind(p.resolvConf, "/etc/resolv.conf"),
    ...own,
    ...(p.serviceAccountDir ? [bind(p.serviceAccountDir, SERVICE_ACCOUNT_DIR)] : []),
  ];
}

/** The config.json of the Deployment's first container. */
export function runcConfig(p: PodRuntime): Obj {
  const pod = p.deployment.spec.template.spec;
  const container = pod.containers[0];
  const sc = { ...pod.securityContext, ...container.securityContext };
  if (sc.runAsNonRoot && !(sc.runAsUser > 0))
    throw new Error(`${p.podName}: runAsNonRoot without a non-zero runAsUser`);
  const drop = new Set<string>(sc.capabilities?.drop ?? []);
  const caps = [
    ...RUNTIME_DEFAULT_CAPS.filter((c) => !drop.has("ALL") && !drop.has(c)),
    ...(sc.capabilities?.add ?? []),
  ].map((c) => `CAP_${c}`);
  const env = { ...Object.fromEntries((p.image.Env as string[]).map((e) => e.split(/=(.*)/s).slice(0, 2))), ...p.env };
  const limits = container.resources?.limits ?? {};
  return {
    ociVersion: "1.0.2",
    process: {
      terminal: false,
      user: {
        uid: sc.runAsUser,
        gid: sc.runAsGroup ?? sc.runAsUser,
        additionalGids: [
          ...(pod.securityContext?.fsGroup ? [pod.securityContext.fsGroup] : []),
          ...(pod.securityContext?.supplementalGroups ?? []),
        ],
      },
      args: [
        ...(container.command ?? p.image.Entrypoint),
        ...(container.args ?? (container.command ? [] : p.image.Cmd)),
      ],
      env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
      cwd: container.workingDir ?? p.image.WorkingDir ?? "/",
      // Non-root: the capabilities stay in the bounding set only, as with containerd.
      capabilities: {
        bounding: caps,
        effective: sc.runAsUser === 0 ? caps : [],
        permitted: sc.runAsUser === 0 ? caps : [],
      },
      noNewPrivileges: sc.allowPrivilegeEscalation === false,
    },
    root: { path: p.rootfs, readonly: sc.readOnlyRootFilesystem === true },
    hostname: p.podName,
    mounts: mounts(p, pod, container),
    linux: {
      // No network namespace: the host's, where the test servers listen on 127.0.0.1.
      namespaces: [{ type: "pid" }, { type: "ipc" }, { type: "uts" }, { type: "mount" }],
      resources: {
        devices: [{ allow: false, access: "rwm" }],
        ...(limits.memory ? { memory: { limit: bytesOf(limits.memory) } } : {}),
        ...(limits.cpu ? { cpu: { quota: cpuQuotaOf(limits.cpu), period: 100_000 } } : {}),
      },
      maskedPaths: [
        "/proc/acpi",
        "/proc/kcore",
        "/proc/keys",
        "/proc/latency_stats",
        "/proc/timer_list",
        "/proc/timer_stats",
        "/proc/sched_debug",
        "/proc/scsi",
        "/sys/firmware",
      ],
      readonlyPaths: ["/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
    },
  };
}
