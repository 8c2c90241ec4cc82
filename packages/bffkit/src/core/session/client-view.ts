import type { ResolvedConfig } from '../config';
import type { ClientSession, SessionData } from '../types';
import { sessionExpiresAt } from './lifetime';

/**
 * The browser's view of a session: the display user, when the session ends and how the user signed
 * in. Never a token, never the DPoP key (docs/security.md 2).
 *
 * @example
 * toClientSession(session, config) // { status: 'authenticated', user, expiresAt }
 */
export function toClientSession(session: SessionData | null, config: ResolvedConfig): ClientSession {
  if (!session) return { status: 'unauthenticated' };
  const view: ClientSession = { status: 'authenticated', user: session.user, expiresAt: sessionExpiresAt(session, config) * 1000 };
  // The level (acr, amr, auth_time) is no secret: the UI may show it, or ask for a step-up.
  if (session.auth) view.auth = session.auth;
  return view;
}
