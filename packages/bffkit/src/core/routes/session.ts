import type { BffContext, RouteAction } from '../context';
import { checkCsrf } from '../http/csrf';
import { errorResponse, json, toErrorResponse, withCookies } from '../http/response';
import { toClientSession } from '../session/client-view';
import { loadSession, type RefreshMode } from '../session/load';
import type { ClientSession } from '../types';

/**
 * `GET {basePath}/session`: who is signed in. Refreshes a due access token here (a route handler can
 * write cookies), so a permanently rejected refresh turns the UI unauthenticated at once.
 */
export const sessionAction: RouteAction = (ctx, request) => answerSession(ctx, request, 'if-due');

/**
 * `POST {basePath}/session` (anti-forgery header required): the browser's own renewal. Like GET, but
 * the access token is renewed already at the browser's earlier time (`refreshAt` in the answer), and a
 * cookie whose refresh token the backend refused is cleared; with `?check=expired` (after a call was
 * answered `session_expired`) the token is refreshed now, whatever its expiry. SessionProvider sends it one at a time
 * across tabs (Web Locks), which is what makes refresh safe without a shared coordinator
 * (docs/multi-instance.md).
 */
export const sessionRenewAction: RouteAction = async (ctx, request) => {
  const csrf = checkCsrf(request, { ...ctx.config.csrf, appOrigin: ctx.config.appOrigin }, 'header');
  ctx.telemetry.csrf(request, csrf);
  if (!csrf.ok) return errorResponse(csrf.code, csrf.message);
  // After a call answered `session_expired` (a refused refresh, or an upstream that refused the token),
  // the browser asks whether the session is still live: refresh now, and end it if the backend refuses.
  const recheck = new URL(request.url).searchParams.get('check') === 'expired';
  return answerSession(ctx, request, recheck ? 'recheck' : 'ahead');
};

async function answerSession(ctx: BffContext, request: Request, mode: RefreshMode): Promise<Response> {
  const loaded = await loadSession(ctx, request.headers.get('cookie'), mode);
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
}
