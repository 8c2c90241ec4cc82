import { credentialsBackend } from 'bffkit';
import { createBffNext } from 'bffkit/next';

/** Configured like examples/next-app/lib/bff.ts, from the environment at the first request. */
function options(basePath) {
  const backendUrl = process.env.BACKEND_URL;
  const allow = [
    { path: '/notes', methods: ['GET', 'POST', 'PATCH', 'DELETE'] },
    { path: '/auth/me', methods: ['GET'] },
  ];
  return {
    secret: process.env.BFF_SECRET,
    baseUrl: process.env.APP_URL,
    basePath,
    backend: credentialsBackend({ url: backendUrl }),
    upstreams: {
      // Forwarded by the route handler app/api/backend/[...path] (the documented setup).
      backend: { url: backendUrl, mount: '/api/backend', allow },
      // The same upstream under /api/px, answered in proxy.ts (body-less calls) — see proxy.js.
      px: { url: backendUrl, mount: '/api/px', allow },
    },
  };
}

export const bff = createBffNext(() => options('/api/auth'));

/**
 * The same app (same secret and cookie) with its auth routes under /api/auth-static, mounted as a
 * static route file (app/api/auth-static/session/route.js) instead of a [...bffkit] catch-all:
 * shows what Next's dynamic-route matching costs on the session endpoint.
 */
export const bffStaticAuth = createBffNext(() => options('/api/auth-static'));
