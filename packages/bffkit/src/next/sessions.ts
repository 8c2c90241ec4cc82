import type { Bff } from '../core/bff';
import type { ActiveSession } from '../core/session/manage';
import { persistCookies } from './persist-cookies';

/** The session-management helpers of {@link BffNext}: each one acts for the signed-in caller only. */
export interface SessionActions {
  /** The caller's live sessions, newest first, no tokens ([] when signed out). For Server Components. */
  listSessions(): Promise<ActiveSession[]>;
  /**
   * Ends one of the caller's own sessions (from a Server Action). Another user's id, or an unknown one,
   * ends nothing. Ending the current session signs the caller out (`signedOut: true`).
   */
  endSession(sessionId: unknown): Promise<{ ended: boolean; signedOut: boolean }>;
  /** "Sign out everywhere" (from a Server Action): ends every session of the caller, this one included. */
  signOutEverywhere(): Promise<{ ended: number }>;
}

/**
 * Binds the core's session management to Next: the caller's Cookie header in, cookie changes
 * written back through `cookies()` (allowed in Server Actions and route handlers).
 *
 * @example
 * const actions = sessionActions(core, cookieHeader);
 */
export function sessionActions(core: () => Bff, cookieHeader: () => Promise<string | null>): SessionActions {
  return {
    async listSessions() {
      return core().listSessions(await cookieHeader());
    },
    async endSession(sessionId) {
      const result = await core().endSession(await cookieHeader(), sessionId);
      await persistCookies(result.cookies);
      return { ended: result.ended > 0, signedOut: result.signedOut };
    },
    async signOutEverywhere() {
      const result = await core().endAllSessions(await cookieHeader());
      await persistCookies(result.cookies);
      return { ended: result.ended };
    },
  };
}
