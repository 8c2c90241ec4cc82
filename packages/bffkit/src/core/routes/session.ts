import type { RouteAction } from '../context';
import { json, toErrorResponse } from '../http/response';
import { sessionExpiresAt } from '../session/lifetime';
import { withCookies } from '../http/respond';
import type { ClientSession, SessionData } from '../types';
import type { ResolvedConfig } from '../config';

/**
 * The browser's view of a session: the display user and when the session ends. Never a token.
 *
 * @example
 * toClientSession(session, config) // { status: 'authenticated', user, expiresAt }
 */
export function toClientSession(session: SessionData | null, config: ResolvedConfig): ClientSession {
  if (!session) return { status: 'unauthenticated' };
  return { status: 'authenticated', user: session.user, expiresAt: sessionExpiresAt(session, config) * 1000 };
}

/**
 * `GET {basePath}/session`: who is signed in. Refreshes a due access token here (a route handler can
 * write cookies), so a permanently rejected refresh turns the UI unauthenticated at once.
 */
export const sessionAction: RouteAction = async (ctx, request) => {
  const loaded = await ctx.load(request.headers.get('cookie'), 'if-due');
  switch (loaded.kind) {
    case 'active':
      return withCookies(json(toClientSession(loaded.session, ctx.config)), loaded.setCookies);
    case 'unavailable':
      // The backend is down during a refresh: the session is kept, and the user is still who the
      // cookie says. The store being down leaves no session to show.
      return loaded.session ? json(toClientSession(loaded.session, ctx.config)) : toErrorResponse(loaded.error);
    default:
      return withCookies(json({ status: 'unauthenticated' } satisfies ClientSession), loaded.setCookies);
  }
};
