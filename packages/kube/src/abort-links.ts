/** A signal of one request that aborts with its caller's, and the call that ends the link (safe twice). */
export interface AbortLink {
  signal?: AbortSignal;
  release(): void;
}

interface Links {
  requests: Set<AbortController>;
  onAbort: () => void;
}

const NO_LINK: AbortLink = { release: () => {} };

/**
 * One 'abort' listener on a caller's signal however many requests are in flight on it. Each request
 * listening itself would put one listener on the signal per request in flight, and Node warns
 * (MaxListenersExceededWarning) past ten on one signal, which a restore with 16 writes in flight
 * passes. The listener is added with the first link of a signal and removed with its last release.
 */
export class AbortLinks {
  private readonly bySignal = new WeakMap<AbortSignal, Links>();

  link(caller: AbortSignal | undefined): AbortLink {
    if (!caller) return NO_LINK;
    const own = new AbortController();
    if (caller.aborted) {
      own.abort(caller.reason);
      return { signal: own.signal, release: () => {} };
    }
    const links = this.bySignal.get(caller) ?? this.listen(caller);
    links.requests.add(own);
    return {
      signal: own.signal,
      release: () => {
        if (!links.requests.delete(own) || links.requests.size > 0) return;
        caller.removeEventListener("abort", links.onAbort);
        this.bySignal.delete(caller);
      },
    };
  }

  private listen(caller: AbortSignal): Links {
    const requests = new Set<AbortController>();
    const onAbort = () => {
      this.bySignal.delete(caller);
      for (const own of requests) own.abort(caller.reason);
      requests.clear();
    };
    caller.addEventListener("abort", onAbort, { once: true });
    const links = { requests, onAbort };
    this.bySignal.set(caller, links);
    return links;
  }
}
