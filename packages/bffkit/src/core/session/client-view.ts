import type { ResolvedConfig } from '../config';
import type { ClientSession, SessionData } from '../types';
import { sessionExpiresAt } from './lifetime';

/**
 * The browser's view of a session: the display user and when the session ends. Never a token
 * (docs/security.md 2).
 *
 * @example
 * toClientSession(session, config) // { status: 'authenticated', user, expiresAt }
 */
export function toClientSession(session: SessionData | null, config: ResolvedConfig): ClientSession {
  if (!session) return { status: 'unauthenticated' };
  return { status: 'authenticated', user: session.user, expiresAt: sessionExpiresAt(session, config) * 1000 };
}
