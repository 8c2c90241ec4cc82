import type { ResolvedConfig } from '../config';
import type { ClientSession, SessionData } from '../types';
import { browserRefreshAt, sessionExpiresAt } from './lifetime';

/**
 * The browser's view of a session: the display user, when the session ends and how the user signed
 * in. Never a token, never the DPoP key (docs/security.md 2). Without a shared refresh coordinator
 * it also says when the browser should renew the access token (`refreshAt`, docs/multi-instance.md).
 *
 * @example
 * toClientSession(session, config) // { status: 'authenticated', user, expiresAt }
 */
export function toClientSession(session: SessionData | null, config: ResolvedConfig): ClientSession {
  if (!session) return { status: 'unauthenticated' };
  const view: ClientSession = { status: 'authenticated', user: session.user, expiresAt: sessionExpiresAt(session, config) * 1000 };
  // The level (acr, amr, auth_time) is no secret: the UI may show it, or ask for a step-up.
  if (session.auth) view.auth = session.auth;
  // A time, not a token: when SessionProvider renews the session ahead of the server (one request at a
  // time across tabs), so that instances that share nothing never refresh the same token twice.
  if (!config.coordinator.shared && session.tokens.refreshToken) view.refreshAt = browserRefreshAt(session.tokens, config.refreshSkew) * 1000;
  return view;
}
