import * as oauth from 'oauth4webapi';
import type { BackendResult } from '../adapter';
import { failureOf } from './outcome';

/** Options of {@link createDiscovery}. */
export interface DiscoveryOptions {
  /** Seconds the metadata is kept. */
  ttl: number;
  timeoutMs: number;
  /** Allow plain http (loopback issuers only; checked by the options). */
  allowHttp: boolean;
  /** Milliseconds clock (tests inject one). @default Date.now */
  now?: () => number;
}

/** The provider's metadata, fetched on first use and kept for `ttl`. */
export interface Discovery {
  /** The metadata, or why it could not be had (never throws). */
  get(): Promise<BackendResult<oauth.AuthorizationServer>>;
}

/**
 * Issuer discovery with a cache: one fetch at a time (concurrent callers share it), the answer kept
 * for `ttl` seconds, failures not kept (the next request tries again). The same metadata object is
 * reused while cached, so oauth4webapi's key-set cache (keyed by it) keeps working too.
 * oauth4webapi checks that the document's `issuer` equals the configured one exactly (mix-up defence).
 *
 * @example
 * const discovery = createDiscovery(new URL('https://idp.example.com'), { ttl: 3600, timeoutMs: 10_000, allowHttp: false });
 * const as = await discovery.get();
 */
export function createDiscovery(issuer: URL, options: DiscoveryOptions): Discovery {
  const now = options.now ?? Date.now;
  let cached: { as: oauth.AuthorizationServer; until: number } | undefined;
  let inflight: Promise<BackendResult<oauth.AuthorizationServer>> | undefined;

  async function fetchMetadata(): Promise<BackendResult<oauth.AuthorizationServer>> {
    try {
      const response = await oauth.discoveryRequest(issuer, {
        algorithm: 'oidc',
        signal: AbortSignal.timeout(options.timeoutMs),
        [oauth.allowInsecureRequests]: options.allowHttp,
      });
      const as = await oauth.processDiscoveryResponse(issuer, response);
      cached = { as, until: now() + options.ttl * 1000 };
      return { ok: true, value: as };
    } catch (error) {
      const failure = failureOf(error);
      // A metadata document that does not validate is a provider problem, not a user's: transient.
      return { ok: false, reason: failure === 'timeout' ? 'timeout' : 'unavailable' };
    }
  }

  return {
    get() {
      if (cached && cached.until > now()) return Promise.resolve({ ok: true, value: cached.as });
      inflight ??= fetchMetadata().finally(() => {
        inflight = undefined;
      });
      return inflight;
    },
  };
}
