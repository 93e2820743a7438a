import { type Logger, pino } from "pino";

export type { Logger };

/** Structured JSON logs on stdout; secrets are redacted wherever they might appear. */
export function createLogger(service: string, level = "info"): Logger {
  return pino({
    name: service,
    level,
    base: { service },
    redact: {
      paths: ["*.password", "*.secretKey", "*.token", "*.AWS_SECRET_ACCESS_KEY", "*.ENCRYPTION_PASSWORD"],
      censor: "[redacted]",
    },
  });
}
