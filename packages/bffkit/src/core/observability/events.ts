/**
 * The audit events bffkit emits: one discriminated union with a stable `type`. Every event carries
 * the same base fields; none ever carries a token, password, cookie value or secret.
 */

/** Whether what the event records went through. */
export type EventOutcome = 'success' | 'failure' | 'unknown';

/** The fields every event carries. Absent facts are `null`, never guessed. */
export interface EventBase {
  /** When bffkit emitted it (ISO 8601, UTC, milliseconds). */
  timestamp: string;
  outcome: EventOutcome;
  /**
   * First 128 bits of the SHA-256 of the session id, base64url (22 characters). Why not the id: in
   * store mode the id is a handle (it keys the store and `endSession` takes it), so it should not sit
   * in logs; the id is 128 random bits, so its hash cannot be guessed back, and whoever holds an id
   * (the user's session list, an admin) can hash it to find its events.
   */
  sessionIdHash: string | null;
  /** The backend's user id of the session (or of the user just signed in). */
  userId: string | null;
  /** The client's IP address: only from X-Forwarded-For with `trustProxy`, else null. */
  clientAddress: string | null;
  /** The request's User-Agent (at most 256 characters, control characters replaced). */
  userAgent: string | null;
}

/** How a sign-in happened. */
export type LoginMethod = 'credentials' | 'oidc';

/** Why a sign-in failed, as a class (never the backend's message, never the account). */
export type LoginFailureReason =
  | 'rejected'
  | 'invalid_request'
  | 'denied'
  | 'invalid_response'
  | 'unavailable'
  | 'timeout'
  | 'store_unavailable'
  | 'internal';

/** Why a session ended. */
export type SessionEndReason = 'idle' | 'absolute' | 'revoked' | 'refresh_rejected' | 'no_refresh_token';

/** The events, by `type` (the part after the base fields). */
export interface EventFields {
  'login.succeeded': { method: LoginMethod };
  'login.failed': { method: LoginMethod; reason: LoginFailureReason };
  /** Brute-force limit hit (docs/security.md 28). */
  rate_limited: { attempt: 'login' | 'handoff'; retryAfter: number };
  logout: { hadSession: boolean; providerLogout: boolean };
  /**
   * A request carried a session that is over. `revoked`: ended server-side (logout, sign-out
   * everywhere, back-channel logout, admin), or, in store mode, no longer in the store.
   */
  'session.ended': { reason: SessionEndReason };
  /** A session cookie that cannot be opened (tampered, foreign, retired secret) or an inconsistent chunk set. */
  'session.cookie_rejected': { reason: 'tampered' | 'inconsistent_chunks' };
  /** The user (another device) or trusted server code (`endUserSessions`) ended sessions. */
  'session.revoked': { by: 'user' | 'admin'; count: number };
  'sessions.signed_out_everywhere': { ended: number };
  'refresh.succeeded': { durationMs: number };
  'refresh.rejected': { durationMs: number };
  /** The backend was down or slow: the session is kept. */
  'refresh.failed': { reason: 'unavailable' | 'timeout'; durationMs: number };
  /**
   * A refresh token this process already rotated is presented again after its successor record
   * expired: an old cookie replayed (stolen, or restored from a backup). The backend then sees a reuse.
   */
  'refresh.reuse_suspected': Record<never, never>;
  /** Another instance held the refresh lock; this request waited for it. */
  'refresh.lock_waited': { waitedMs: number; result: 'successor' | 'acquired' | 'timeout' };
  /** A request with the pre-rotation refresh token got the new tokens from the successor record. */
  'refresh.successor_used': Record<never, never>;
  /**
   * The refresh lock's lease was renewed because the backend refresh was still running (slower than a
   * third of `refresh.lockTimeout`): no other request may present the same refresh token meanwhile.
   */
  'refresh.lease_renewed': { heldMs: number };
  /**
   * The lease was no longer this request's at a renewal (the coordinator lost the lock, or it lapsed
   * while this process was stalled): another instance may present the same refresh token.
   */
  'refresh.lease_lost': { heldMs: number };
  /** A state-changing request failed the anti-forgery header or Origin / Fetch Metadata check. */
  'csrf.rejected': { code: 'csrf_failed' | 'forbidden_origin'; method: string; path: string };
  /** The forwarding route refused a path or method before any upstream call (docs/security.md 18, 21). */
  'forward.refused': { upstream: string; method: string; path: string; code: 'invalid_request' | 'path_not_allowed' | 'method_not_allowed' };
  'backchannel_logout.received': { sessionsEnded: number };
  'backchannel_logout.refused': { reason: 'rejected' | 'replayed' | 'no_subject' | 'unavailable' | 'timeout' };
  'handoff.accepted': Record<never, never>;
  'handoff.refused': { reason: 'rejected' | 'invalid_request' | 'unavailable' | 'timeout' | 'store_unavailable' | 'internal' };
  /** Emitted once at start-up per warning. */
  'config.warning': { code: ConfigWarningCode; message: string };
}

/** A configuration that works but deserves a look. */
export type ConfigWarningCode = 'insecure_cookies' | 'diagnostics_in_production' | 'refresh_not_shared';

/** The type names, for switch statements and filters. */
export type BffEventType = keyof EventFields;

/**
 * One audit event. Narrow on `type`:
 *
 * @example
 * const events = (event: BffEvent) => {
 *   if (event.type === 'login.failed') console.log(event.reason);
 * };
 */
export type BffEvent = { [T in BffEventType]: { type: T } & EventBase & EventFields[T] }[BffEventType];

/** The handler of the `events` option. */
export type BffEventHandler = (event: BffEvent) => void | Promise<void>;

/** Each type's outcome (fixed per type, except `refresh.lock_waited`: `failure` when the wait timed out). */
export const EVENT_OUTCOME: Readonly<Record<BffEventType, EventOutcome>> = {
  'login.succeeded': 'success',
  'login.failed': 'failure',
  rate_limited: 'failure',
  logout: 'success',
  'session.ended': 'failure',
  'session.cookie_rejected': 'failure',
  'session.revoked': 'success',
  'sessions.signed_out_everywhere': 'success',
  'refresh.succeeded': 'success',
  'refresh.rejected': 'failure',
  'refresh.failed': 'failure',
  'refresh.reuse_suspected': 'failure',
  'refresh.lock_waited': 'success',
  'refresh.successor_used': 'success',
  'refresh.lease_renewed': 'success',
  'refresh.lease_lost': 'failure',
  'csrf.rejected': 'failure',
  'forward.refused': 'failure',
  'backchannel_logout.received': 'success',
  'backchannel_logout.refused': 'failure',
  'handoff.accepted': 'success',
  'handoff.refused': 'failure',
  'config.warning': 'unknown',
};
