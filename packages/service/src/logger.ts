import { type DestinationStream, type Logger, pino } from "pino";

export type { Logger };

/** Keys whose values are secrets, wherever they sit: at the top of a log line, one level down, or in headers. */
const SECRET_KEYS = [
  "password",
  "sentinelPassword",
  "secretKey",
  "secretAccessKey",
  "token",
  "pushToken",
  "authorization",
  "cookie",
  "AWS_SECRET_ACCESS_KEY",
  "ENCRYPTION_PASSWORD",
  "RESTIC_PASSWORD",
  "REDIS_PASSWORD",
  "REDIS_SENTINEL_PASSWORD",
  "PUSH_TOKEN",
  "METRICS_GATEWAY_TOKEN",
];
/** Keys holding a URL that may carry a password (`redis://:secret@host`): only the password is masked. */
const URL_KEYS = ["redisUrl", "REDIS_URL"];

const anywhere = (key: string) => [key, `*.${key}`, `headers.${key}`, `*.headers.${key}`];

const REDACTED = "[redacted]";

/** A URL with its password masked (`redis://:***@host`); anything that is not a URL is redacted whole. */
function maskUrlPassword(value: unknown): string {
  try {
    const url = new URL(String(value));
    if (url.password) url.password = "***";
    return url.toString();
  } catch {
    return REDACTED;
  }
}

/**
 * Structured JSON logs (on stdout unless a destination is given); secrets are redacted wherever
 * they might appear: passwords, keys, tokens, Authorization and Cookie headers, URL passwords.
 */
export function createLogger(service: string, level = "info", destination?: DestinationStream): Logger {
  const urlPaths = URL_KEYS.flatMap((k) => [k, `*.${k}`]);
  const options = {
    name: service,
    level,
    base: { service },
    redact: {
      paths: [...SECRET_KEYS.flatMap(anywhere), ...urlPaths],
      censor: (value: unknown, path: string[]) =>
        URL_KEYS.includes(path[path.length - 1] ?? "") ? maskUrlPassword(value) : REDACTED,
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
