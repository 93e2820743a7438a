import type { Backend } from "@kubedump/api";
import { type Fields, isRecord, otherKeys, str } from "./objects.js";
import type { FindingKind } from "./report.js";

type Note = (kind: FindingKind, field: string | undefined, message: string) => void;

/** What kubedump adds to Stash's prefix, so that its own format never mixes with restic's files. */
export const PREFIX_SUFFIX = "-kubedump";
/** Google Cloud Storage's S3-compatible (XML API) endpoint. */
export const GCS_S3_ENDPOINT = "storage.googleapis.com";

export interface ConvertedBackend {
  backend: Backend;
  /** Stash's provider: s3, gcs or local. */
  provider: "s3" | "gcs" | "local";
  /** Where Stash's restic repository is, for the report. */
  stashLocation: string;
}

const NO_EQUIVALENT: Record<string, string> = {
  azure: "Azure Blob Storage has no S3-compatible API kubedump can use",
  b2: "Backblaze B2 is reachable through its S3-compatible API: write an s3 backend with B2's S3 endpoint and an application key",
  swift: "OpenStack Swift is reachable only through an S3 middleware (s3api): write an s3 backend for it",
  rest: "a restic REST server stores restic's format only",
};

const LOCAL_VOLUME_FIELDS = ["mountPath", "subPath"];

/** The new prefix: Stash's without its slashes, plus PREFIX_SUFFIX (or just `kubedump` at the bucket's root). */
export function kubedumpPrefix(stashPrefix: string | undefined): string {
  const trimmed = (stashPrefix ?? "").replace(/^\/+|\/+$/g, "");
  return trimmed === "" ? "kubedump" : `${trimmed}${PREFIX_SUFFIX}`;
}

/** Stash's `spec.backend` (without storageSecretName) as a kubedump backend, or undefined with the reason noted. */
export function convertBackend(backend: Fields, note: Note): ConvertedBackend | undefined {
  const providers = otherKeys(backend, ["storageSecretName"]);
  if (providers.length !== 1) {
    note("skipped", "spec.backend", `expected exactly one backend, found ${providers.join(", ") || "none"}`);
    return undefined;
  }
  const provider = providers[0] as string;
  const spec = backend[provider];
  if (!isRecord(spec)) {
    note("skipped", `spec.backend.${provider}`, "not a mapping");
    return undefined;
  }
  if (provider === "s3") return s3(spec, note);
  if (provider === "gcs") return gcs(spec, note);
  if (provider === "local") return local(spec, note);
  note("skipped", `spec.backend.${provider}`, NO_EQUIVALENT[provider] ?? "a backend kubedump does not know");
  return undefined;
}

function prefixed(field: string, stashPrefix: string | undefined, note: Note): string {
  const prefix = kubedumpPrefix(stashPrefix);
  note(
    "changed",
    field,
    `"${stashPrefix ?? ""}" → "${prefix}": kubedump writes its own format, under a prefix of its own, beside Stash's restic repository (which it never touches)`,
  );
  return prefix;
}

function s3(spec: Fields, note: Note): ConvertedBackend {
  const out: Fields = { endpoint: str(spec.endpoint), bucket: str(spec.bucket) };
  if (spec.region !== undefined) out.region = spec.region;
  out.prefix = prefixed("spec.backend.s3.prefix", str(spec.prefix), note);
  if (spec.insecureTLS !== undefined) out.insecureTLS = spec.insecureTLS;
  for (const key of otherKeys(spec, ["endpoint", "bucket", "region", "prefix", "insecureTLS"]))
    note("not carried", `spec.backend.s3.${key}`, "no kubedump equivalent");
  const location = `s3 ${str(spec.endpoint) ?? ""} bucket ${str(spec.bucket) ?? ""} prefix "${str(spec.prefix) ?? ""}"`;
  return { backend: { s3: out } as Backend, provider: "s3", stashLocation: location };
}

function gcs(spec: Fields, note: Note): ConvertedBackend {
  note(
    "changed",
    "spec.backend.gcs",
    `→ spec.backend.s3 with endpoint ${GCS_S3_ENDPOINT}: kubedump reaches Google Cloud Storage through its S3-compatible API, which takes an HMAC key (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), not a service account JSON key`,
  );
  const out: Fields = { endpoint: GCS_S3_ENDPOINT, bucket: str(spec.bucket) };
  out.prefix = prefixed("spec.backend.gcs.prefix", str(spec.prefix), note);
  if (spec.maxConnections !== undefined)
    note("not carried", "spec.backend.gcs.maxConnections", "kubedump uploads each archive part with one connection");
  for (const key of otherKeys(spec, ["bucket", "prefix", "maxConnections"]))
    note("not carried", `spec.backend.gcs.${key}`, "no kubedump equivalent");
  const location = `gcs bucket ${str(spec.bucket) ?? ""} prefix "${str(spec.prefix) ?? ""}"`;
  return { backend: { s3: out } as Backend, provider: "gcs", stashLocation: location };
}

function local(spec: Fields, note: Note): ConvertedBackend {
  const mountPath = (str(spec.mountPath) ?? "").replace(/\/+$/, "");
  const subPath = (str(spec.subPath) ?? "").replace(/^\/+|\/+$/g, "");
  const path = subPath === "" ? `${mountPath}/kubedump` : `${mountPath}/${subPath}${PREFIX_SUFFIX}`;
  note(
    "changed",
    "spec.backend.local",
    `mountPath "${mountPath}"${subPath ? `, subPath "${subPath}"` : ""} → path "${path}": a directory of its own beside Stash's restic repository`,
  );
  const volumes = otherKeys(spec, LOCAL_VOLUME_FIELDS).map((key) => `${key} ${JSON.stringify(spec[key])}`);
  note(
    "action",
    "spec.backend.local",
    `mount the volume (${volumes.join(", ") || "none given"}) at ${mountPath} into the dump workers and the watcher (which opens the Repository to check it) with the chart's dumpWorker and watcher extraVolumes and extraVolumeMounts; a claim mounted by both needs ReadWriteMany`,
  );
  const location = `local ${mountPath}${subPath ? `/${subPath}` : ""}`;
  return { backend: { local: { path } }, provider: "local", stashLocation: location };
}
