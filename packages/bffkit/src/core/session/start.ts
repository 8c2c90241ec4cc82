import type { BffContext } from '../context';
import { BffError } from '../errors';
import type { Cookie } from '../http/cookie';
import type { AuthLevel, DpopKeyPair, SessionData, SessionUser, TokenSet } from '../types';

/** What a sign-in knows beyond the tokens: the DPoP key they are bound to, the authentication level. */
export interface SessionStartExtras {
  dpopKey?: DpopKeyPair;
  auth?: AuthLevel;
  /**
   * The backend may give the same user's new sign-in the grant of the previous one (an OpenID
   * provider's single sign-on: oidc-provider reuses the grant, Keycloak the SSO session), so revoking
   * the previous refresh token would revoke the new session's too. Then a previous session of the
   * SAME user is ended here without revoking its tokens; another user's is still revoked.
   */
  sharedGrant?: boolean;
}

export { newSessionId } from './session-id';

/**
 * Starts a fresh session for tokens and a user just obtained (login, handoff, OIDC callback).
 * Whatever session the request carried is ended first (its refresh token revoked at the backend,
 * best effort), and the new one always gets a new id: a cookie that came in is replaced, never
 * upgraded (docs/security.md 8).
 *
 * @example
 * const { session, cookies } = await startSession(ctx, request, user, tokens);
 */
export async function startSession(
  ctx: BffContext,
  request: Request,
  user: SessionUser,
  tokens: TokenSet,
  extras: SessionStartExtras = {},
): Promise<{ session: SessionData; cookies: Cookie[] }> {
  const now = ctx.config.clock();
  const previous = await ctx.cookie.read(request.headers.get('cookie'), now).catch(() => null);
  if (previous?.session) {
    const sameUser = previous.session.user.id === user.id;
    if (!(extras.sharedGrant && sameUser)) await ctx.config.backend.revoke?.(previous.session.tokens).catch(() => undefined);
    await ctx.sessions.end(previous.session, now).catch(() => undefined);
  }
  const session: SessionData = { id: ctx.sessions.newId(user.id), user, tokens, createdAt: now, lastActiveAt: now };
  if (extras.dpopKey) session.dpopKey = extras.dpopKey;
  if (extras.auth && Object.keys(extras.auth).length) session.auth = extras.auth;
  const cookies = await ctx.cookie.write(session, previous?.presentNames ?? [], now, 'create');
  if (!cookies) throw new BffError('store_unavailable', 'The session could not be stored. Try again.');
  return { session, cookies };
}
