/** Counters exposed by `GET /__stats` (only with EXAMPLE_BACKEND_STATS=1). */
export interface StatsCounters {
  /** Every request except `/__stats*` and `/__test/*`. */
  requests: number;
  /** Successful logins (200). */
  logins: number;
  /** Logins answered 401 invalid_credentials. */
  login_failures: number;
  /** Successful refreshes (200). */
  refreshes: number;
  /** Refreshes answered 401 invalid_grant (reuse included). */
  refresh_failures: number;
  /** Presentations of an already-rotated refresh token (family revoked each time). */
  refresh_reuse_detected: number;
  /** Protected requests answered 401 token_expired. */
  expired_token_requests: number;
  /** Protected requests answered 401 invalid_token (missing, malformed, bad signature, iss, aud). */
  invalid_token_requests: number;
  /** Logout calls answered 204. */
  logouts: number;
  /** Protected requests that carried an `Authorization` header (valid or not). */
  bearer_requests: number;
}

/** The last counted request as the backend received it. */
export interface LastRequest {
  method: string;
  /** Path without query string. */
  path: string;
  /** Query string without the leading `?` ('' when none). */
  query: string;
  /** Every received header, names lower-cased. */
  headers: Record<string, string>;
}

/** Mutable stats of one backend instance. */
export interface Stats {
  counters: StatsCounters;
  lastRequest: LastRequest | null;
  bump(name: Exclude<keyof StatsCounters, 'requests'>): void;
  record(request: Request): void;
  reset(): void;
  snapshot(): StatsCounters & { last_request: LastRequest | null };
}

const zero = (): StatsCounters => ({
  requests: 0,
  logins: 0,
  login_failures: 0,
  refreshes: 0,
  refresh_failures: 0,
  refresh_reuse_detected: 0,
  expired_token_requests: 0,
  invalid_token_requests: 0,
  logouts: 0,
  bearer_requests: 0,
});

/**
 * Creates an in-memory stats recorder. Counting always happens; only exposure is gated by config.
 *
 * @example
 * const stats = createStats();
 * stats.bump('logins');
 */
export function createStats(): Stats {
  const stats: Stats = {
    counters: zero(),
    lastRequest: null,
    bump(name) {
      stats.counters[name] += 1;
    },
    record(request) {
      const url = new URL(request.url);
      const headers: Record<string, string> = {};
      request.headers.forEach((value, key) => {
        headers[key.toLowerCase()] = value;
      });
      stats.counters.requests += 1;
      stats.lastRequest = { method: request.method, path: url.pathname, query: url.search.slice(1), headers };
    },
    reset() {
      stats.counters = zero();
      stats.lastRequest = null;
    },
    snapshot: () => ({ ...stats.counters, last_request: stats.lastRequest }),
  };
  return stats;
}
