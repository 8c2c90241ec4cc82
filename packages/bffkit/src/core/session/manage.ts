import type { BffContext } from '../context';
import type { Cookie } from '../http/cookie';
import type { SessionData } from '../types';
import { lifetimeVerdict, sessionExpiresAt } from './lifetime';
import { revokeAtBackend } from './revoke';

/** One of the signed-in user's sessions, as a UI may show it: no token. Times in epoch milliseconds. */
export interface ActiveSession {
  /** The session id: the handle for `endSession` (not a credential: the cookie is sealed). */
  id: string;
  /** Whether this is the session of the request that asked. */
  current: boolean;
  createdAt: number;
  lastActiveAt: number;
  expiresAt: number;
}

/** What ending sessions did. `cookies` clears the caller's cookie when its own session ended. */
export interface EndSessionsResult {
  /** How many sessions ended. */
  ended: number;
  /** Whether the caller's own session was among them (the UI should go to the login page). */
  signedOut: boolean;
  cookies: Cookie[];
  /** How many backend revocations failed (logged; those backend sessions may live on until they expire). Absent when none did. */
  revocationsFailed?: number;
}

const REVOKE_BATCH = 10;
const MAX_ID_LENGTH = 128;

/**
 * The signed-in user's live sessions, newest first. In stateless cookie mode only the current
 * session is known (a cookie has no server-side list). Throws `store_unavailable` when the store is down.
 *
 * @example
 * const sessions = await listOwnSessions(ctx, request.headers.get('cookie'));
 */
export async function listOwnSessions(ctx: BffContext, cookieHeader: string | null): Promise<ActiveSession[]> {
  const now = ctx.config.clock();
  const { session } = await ctx.cookie.read(cookieHeader, now);
  if (!session) return [];
  const kept = await ctx.sessions.sessionsOf(session.user.id);
  const others = kept.filter(
    (s) => s.id !== session.id && s.user.id === session.user.id && lifetimeVerdict(s, now, ctx.config) !== 'expired',
  );
  return [session, ...others]
    .sort((a, b) => b.createdAt - a.createdAt)
    .map((s) => ({
      id: s.id,
      current: s.id === session.id,
      createdAt: s.createdAt * 1000,
      lastActiveAt: s.lastActiveAt * 1000,
      expiresAt: sessionExpiresAt(s, ctx.config) * 1000,
    }));
}

/**
 * Ends one of the signed-in user's OWN sessions: another user's id (or an unknown one) ends nothing,
 * with the same answer. Ending the current session signs the caller out (cookie cleared).
 *
 * @example
 * const { ended, cookies } = await endOwnSession(ctx, cookieHeader, formData.get('id'));
 */
export async function endOwnSession(ctx: BffContext, cookieHeader: string | null, id: unknown): Promise<EndSessionsResult> {
  const now = ctx.config.clock();
  const read = await ctx.cookie.read(cookieHeader, now);
  const nothing: EndSessionsResult = { ended: 0, signedOut: false, cookies: [] };
  if (!read.session || typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) return nothing;
  if (id === read.session.id) {
    await ctx.sessions.end(read.session, now);
    const failed = await revokeAll(ctx, [read.session]);
    ctx.telemetry.event('session.revoked', { by: 'user', count: 1 }, read.session);
    return withFailures({ ended: 1, signedOut: true, cookies: ctx.cookie.clear(read.presentNames) }, failed);
  }
  const other = await ctx.sessions.find(id);
  if (!other || other.user.id !== read.session.user.id) return nothing;
  // End first: the session stops working at once; the backend revocation is best effort.
  await ctx.sessions.end(other, now);
  const failed = await revokeAll(ctx, [other]);
  ctx.telemetry.event('session.revoked', { by: 'user', count: 1 }, other);
  return withFailures({ ended: 1, signedOut: false, cookies: [] }, failed);
}

/**
 * "Sign out everywhere": ends every session of the signed-in user, this one included, and revokes
 * their refresh tokens at the backend. In stateless cookie mode only the current session can be reached.
 *
 * @example
 * const { ended, cookies } = await endAllOwnSessions(ctx, cookieHeader);
 */
export async function endAllOwnSessions(ctx: BffContext, cookieHeader: string | null): Promise<EndSessionsResult> {
  const now = ctx.config.clock();
  const read = await ctx.cookie.read(cookieHeader, now);
  if (!read.session) return { ended: 0, signedOut: false, cookies: read.invalid ? ctx.cookie.clear(read.presentNames) : [] };
  const { ended, failed } = await endAllOf(ctx, read.session.user.id, [read.session]);
  await ctx.sessions.end(read.session, now); // even if the user index had lost it
  ctx.telemetry.event('sessions.signed_out_everywhere', { ended: Math.max(ended, 1) }, read.session);
  return withFailures({ ended: Math.max(ended, 1), signedOut: true, cookies: ctx.cookie.clear(read.presentNames) }, failed);
}

/**
 * Ends every session of a user by id, for trusted server code (an admin screen, after a password
 * change). Needs a session store: a stateless cookie cannot be revoked from elsewhere.
 *
 * @example
 * await endUserSessions(ctx, 'user-42');
 */
export async function endUserSessions(ctx: BffContext, userId: string): Promise<number> {
  if (!ctx.sessions.revocable) throw new TypeError('bffkit: ending all sessions of a user needs a session store (session.store)');
  if (typeof userId !== 'string' || userId === '') throw new TypeError('bffkit: userId must be a non-empty string');
  const { ended } = await endAllOf(ctx, userId, []);
  ctx.telemetry.event('session.revoked', { by: 'admin', count: ended });
  return ended;
}

/** Ends every kept session of the user and revokes them, plus `known` sessions not in the list. */
async function endAllOf(ctx: BffContext, userId: string, known: readonly SessionData[]): Promise<{ ended: number; failed: number }> {
  const listed = await ctx.sessions.sessionsOf(userId);
  const ended = await ctx.sessions.endAllOf(userId);
  const seen = new Set(listed.map((s) => s.id));
  const failed = await revokeAll(ctx, [...listed, ...known.filter((s) => !seen.has(s.id))]);
  return { ended, failed };
}

/**
 * Revocation at the backend, a few at a time; answers how many failed (each failure is logged by
 * the context's diagnostics). Failures never undo the local sign-out.
 */
async function revokeAll(ctx: BffContext, sessions: readonly SessionData[]): Promise<number> {
  let failed = 0;
  for (let i = 0; i < sessions.length; i += REVOKE_BATCH) {
    const reports = await Promise.all(sessions.slice(i, i + REVOKE_BATCH).map((s) => revokeAtBackend(ctx, s.tokens)));
    failed += reports.filter((r) => r === 'failed').length;
  }
  return failed;
}

/** `result` with `revocationsFailed` when some failed. */
function withFailures(result: EndSessionsResult, failed: number): EndSessionsResult {
  return failed > 0 ? { ...result, revocationsFailed: failed } : result;
}
