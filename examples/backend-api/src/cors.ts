import type { MiddlewareHandler } from 'hono';

/** How long a browser may cache a successful preflight, in seconds. */
const PREFLIGHT_MAX_AGE = 600;

/**
 * Minimal CORS for the token-handoff demo: only the one configured origin, no credentials, only the
 * `content-type` request header. Other origins get no CORS headers at all (the browser blocks them).
 * Hono's own `cors()` echoes a configured string origin to everyone, which is not what we want.
 *
 * @example
 * app.use('/auth/login', corsFor('http://localhost:3000', 'POST'));
 */
export function corsFor(allowedOrigin: string, method: 'GET' | 'POST'): MiddlewareHandler {
  return async (c, next) => {
    const origin = c.req.header('origin');
    const allowed = origin === allowedOrigin;
    if (c.req.method === 'OPTIONS') {
      const requested = c.req.header('access-control-request-method');
      const headers: Record<string, string> = { vary: 'Origin' };
      if (allowed && requested === method) {
        headers['access-control-allow-origin'] = allowedOrigin;
        headers['access-control-allow-methods'] = method;
        headers['access-control-allow-headers'] = 'content-type';
        headers['access-control-max-age'] = String(PREFLIGHT_MAX_AGE);
      }
      return c.body(null, 204, headers);
    }
    await next();
    c.res.headers.append('vary', 'Origin');
    if (allowed) c.res.headers.set('access-control-allow-origin', allowedOrigin);
  };
}
