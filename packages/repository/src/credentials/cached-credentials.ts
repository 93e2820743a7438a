import { CredentialsError } from "../errors.js";
import type { AwsCredentials, CredentialProvider, CredentialSource } from "./aws-credentials.js";

/**
 * Temporary credentials are renewed this long before they expire (or at half their lifetime, when
 * that is shorter), so a request signed with them never meets their end. @defaultValue 300_000
 */
export const REFRESH_MARGIN_MS = 5 * 60_000;
/** After a failed renewal, the still-valid credentials are used and renewal is tried again after this. @defaultValue 10_000 */
export const RETRY_RENEWAL_MS = 10_000;

export interface CachedCredentialsOptions {
  now?: () => number;
  refreshMarginMs?: number;
  retryRenewalMs?: number;
}

interface Held {
  credentials: AwsCredentials;
  /** When to renew (ms); Infinity for long-term keys. */
  renewAt: number;
  /** When they stop working (ms); Infinity for long-term keys. */
  expiresAt: number;
}

/**
 * A source's credentials, fetched once and handed out until they are due for renewal; callers
 * waiting at once share one fetch. A failed renewal while the held credentials still work keeps
 * them (the STS may be away for a moment) and tries again RETRY_RENEWAL_MS later; once they have
 * expired, the failure is the caller's.
 */
export function cachedCredentials(source: CredentialSource, opts: CachedCredentialsOptions = {}): CredentialProvider {
  const now = opts.now ?? Date.now;
  const margin = opts.refreshMarginMs ?? REFRESH_MARGIN_MS;
  const retry = opts.retryRenewalMs ?? RETRY_RENEWAL_MS;
  let held: Held | undefined;
  let pending: Promise<AwsCredentials> | undefined;

  const renew = async (): Promise<AwsCredentials> => {
    const fetchedAt = now();
    try {
      const credentials = await source.fetch();
      const expiresAt = credentials.expiration?.getTime() ?? Number.POSITIVE_INFINITY;
      const lead = Math.min(margin, (expiresAt - fetchedAt) / 2);
      held = { credentials, expiresAt, renewAt: expiresAt - lead };
      return credentials;
    } catch (err) {
      if (held && now() < held.expiresAt) {
        held.renewAt = now() + retry;
        return held.credentials;
      }
      throw err;
    }
  };

  return {
    description: source.description,
    get(): Promise<AwsCredentials> {
      if (held && now() < held.renewAt) return Promise.resolve(held.credentials);
      pending ??= renew().finally(() => {
        pending = undefined;
      });
      return pending;
    },
  };
}

/** The provider with `label` (e.g. `Repository demo/repo`) before the message of every CredentialsError it throws. */
export function labelledCredentials(provider: CredentialProvider, label: string): CredentialProvider {
  return {
    description: provider.description,
    async get() {
      try {
        return await provider.get();
      } catch (err) {
        if (!(err instanceof CredentialsError)) throw err;
        const { transient, unconfigured } = err;
        throw new CredentialsError(`${label}: ${err.message}`, { cause: err, transient, unconfigured });
      }
    },
  };
}
