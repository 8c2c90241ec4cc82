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
  /** Requests with a DPoP-bound token and a valid proof. */
  dpop_requests: number;
  /** Requests refused for DPoP: no/invalid/replayed proof, a bound token sent as Bearer, a nonce asked for. */
  dpop_rejections: number;
  /** `POST /payments` answered 401 insufficient_user_authentication (RFC 9470). */
  step_up_challenges: number;
}

/** One access token as this API received it (the token itself is never kept, only its SHA-256). */
export interface ReceivedToken {
  /** base64url SHA-256 of the token: compare with the hash of a token you hold. */
  sha256: string;
  /** The Authorization scheme it came with. */
  scheme: 'Bearer' | 'DPoP';
  path: string;
  /** The token's claims as sent (unverified: what the client tried), when it is a JWT. */
  aud: string | string[] | null;
  jti: string | null;
  /** Whether this API accepted it. */
  accepted: boolean;
}

/** Most received tokens kept (newest last). */
export const RECEIVED_TOKENS_KEPT = 1000;
/** Most W3C `traceparent` headers kept (newest last). */
export const TRACEPARENTS_KEPT = 200;

/** A W3C trace context as received, and where. */
export interface ReceivedTraceparent {
  method: string;
  path: string;
  traceparent: string;
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
  /**
   * Successful refreshes by the age of the refresh token they rotated (whole seconds since it was
   * issued → count). With rotation and no reuse, every refresh token is rotated at most once; an age
   * at or past the client's refresh time means one refresh per access-token lifetime, no earlier.
   */
  refreshAges: Record<string, number>;
  lastRequest: LastRequest | null;
  receivedTokens: ReceivedToken[];
  /** Every request that carried a `traceparent` (trace propagation from the app). */
  traceparents: ReceivedTraceparent[];
  bump(name: Exclude<keyof StatsCounters, 'requests'>): void;
  /** Counts one successful refresh of a token `age` seconds old. */
  refreshed(age: number): void;
  record(request: Request): void;
  receivedToken(entry: ReceivedToken): void;
  reset(): void;
  snapshot(): StatsCounters & {
    last_request: LastRequest | null;
    received_tokens: ReceivedToken[];
    traceparents: ReceivedTraceparent[];
    refresh_ages: Record<string, number>;
  };
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
  dpop_requests: 0,
  dpop_rejections: 0,
  step_up_challenges: 0,
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
    refreshAges: {},
    lastRequest: null,
    receivedTokens: [],
    traceparents: [],
    bump(name) {
      stats.counters[name] += 1;
    },
    refreshed(age) {
      const key = String(Math.max(0, Math.floor(age)));
      stats.refreshAges[key] = (stats.refreshAges[key] ?? 0) + 1;
    },
    record(request) {
      const url = new URL(request.url);
      const headers: Record<string, string> = {};
      request.headers.forEach((value, key) => {
        headers[key.toLowerCase()] = value;
      });
      stats.counters.requests += 1;
      stats.lastRequest = { method: request.method, path: url.pathname, query: url.search.slice(1), headers };
      if (headers.traceparent) {
        stats.traceparents.push({ method: request.method, path: url.pathname, traceparent: headers.traceparent });
        if (stats.traceparents.length > TRACEPARENTS_KEPT) stats.traceparents.shift();
      }
    },
    receivedToken(entry) {
      stats.receivedTokens.push(entry);
      if (stats.receivedTokens.length > RECEIVED_TOKENS_KEPT) stats.receivedTokens.shift();
    },
    reset() {
      stats.counters = zero();
      stats.refreshAges = {};
      stats.lastRequest = null;
      stats.receivedTokens = [];
      stats.traceparents = [];
    },
    snapshot: () => ({
      ...stats.counters,
      last_request: stats.lastRequest,
      received_tokens: [...stats.receivedTokens],
      traceparents: [...stats.traceparents],
      refresh_ages: { ...stats.refreshAges },
    }),
  };
  return stats;
}
