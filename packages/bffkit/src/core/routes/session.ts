import type { RouteAction } from '../context';
import { json, toErrorResponse, withCookies } from '../http/response';
import { toClientSession } from '../session/client-view';
import { loadSession } from '../session/load';
import type { ClientSession } from '../types';

/**
 * `GET {basePath}/session`: who is signed in. Refreshes a due access token here (a route handler can
 * write cookies), so a permanently rejected refresh turns the UI unauthenticated at once.
 */
export const sessionAction: RouteAction = async (ctx, request) => {
  const loaded = await loadSession(ctx, request.headers.get('cookie'), 'if-due');
  switch (loaded.kind) {
    case 'active':
      return withCookies(json(toClientSession(loaded.session, ctx.config)), loaded.cookies);
    case 'unavailable':
      // The backend is down during a refresh: the session is kept, and the user is still who the
      // cookie says. The store being down leaves no session to show.
      return loaded.session ? json(toClientSession(loaded.session, ctx.config)) : toErrorResponse(loaded.error);
    default:
      return withCookies(json({ status: 'unauthenticated' } satisfies ClientSession), loaded.cookies);
  }
};
