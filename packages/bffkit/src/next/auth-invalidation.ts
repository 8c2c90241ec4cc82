import type { Bff } from '../core/bff';
import { OIDC_ROUTES } from '../core/routes/oidc/paths';
import type { ClientSession } from '../core/types';

type RouteHandler = (request: Request) => Promise<Response>;

/** The auth actions that replace or end the browser's session: the user it had may be another one after. */
const SESSION_CHANGING = new Set(['login', 'logout', 'handoff', OIDC_ROUTES.callback]);

/**
 * Wraps the auth route handler so that, after a login, logout, handoff or OpenID Connect callback
 * from a browser that was signed in, the cache tag of the user it was signed in as is expired
 * (`bff.perUser()` entries): logout and a change of user must not leave that user's data behind.
 * Whatever the outcome: a failed attempt only costs that user a cache miss. Only these requests pay
 * for the extra session read, and only when they carry a session cookie.
 *
 * @example
 * const auth = expiringUserTags(core, handler, (userId) => expireTag(cache.tagOf(userId)));
 */
export function expiringUserTags(core: () => Bff, handler: RouteHandler, expire: (userId: string) => void): RouteHandler {
  return async (request) => {
    const bff = core();
    const { basePath, cookie } = bff.config;
    const pathname = new URL(request.url).pathname;
    const action = pathname.startsWith(`${basePath}/`) ? pathname.slice(basePath.length + 1).replace(/\/$/, '') : '';
    const cookieHeader = request.headers.get('cookie');
    if (!SESSION_CHANGING.has(action) || !cookieHeader?.includes(cookie.name)) return handler(request);
    let before: ClientSession | null = null;
    try {
      before = await bff.readSession(cookieHeader);
    } catch {
      // The store is down: the handler answers that; nothing was signed in that we could name.
    }
    const response = await handler(request);
    if (before?.status === 'authenticated') expire(before.user.id);
    return response;
  };
}
