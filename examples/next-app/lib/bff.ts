import 'server-only';
import { randomBytes } from 'node:crypto';
import { createBffNext, credentialsBackend, type BffOptions } from 'bffkit/next';
import { sessionStorage } from './session-store';

/**
 * The app's one bffkit instance. The options are a function so the environment is read at the first
 * request, not during `next build`.
 */
export const bff = createBffNext(() => {
  const port = process.env.PORT ?? '3000';
  const backendUrl = process.env.BACKEND_URL ?? 'http://127.0.0.1:4000';
  const secret = secrets();
  return {
    secret,
    // BFF_SESSION_STORE=redis + REDIS_URL: sessions in Redis (see lib/session-store.ts). Default: the cookie.
    ...sessionStorage(secret),
    baseUrl: process.env.APP_URL ?? `http://localhost:${port}`,
    backend: credentialsBackend({ url: backendUrl }),
    defaultReturnTo: '/profile',
    upstreams: {
      backend: {
        url: backendUrl,
        mount: '/api/backend',
        allow: [
          { path: '/notes', methods: ['GET', 'POST', 'PATCH', 'DELETE'] },
          { path: '/auth/me', methods: ['GET'] },
        ],
      },
    },
    trustProxy: trustProxy(),
    handoff: handoff(backendUrl),
  };
});

/** BFF_SECRET, comma-separated for rotation (newest first). Only `next dev` may run without one. */
function secrets(): string[] | string {
  const value = process.env.BFF_SECRET;
  if (value) return value.split(',').map((s) => s.trim());
  if (process.env.NODE_ENV === 'development') {
    console.warn('[example] BFF_SECRET is not set: using a random secret for this dev server (sessions end on restart).');
    return (globalThis.__devSecret ??= randomBytes(32).toString('base64url'));
  }
  return value as unknown as string; // undefined: bffkit refuses to start and names the field.
}

/**
 * Token handoff (the /handoff page): off unless BFF_HANDOFF is set. `1` verifies the access token's
 * signature against the backend's JWKS (issuer and audience default to the example backend's);
 * `userinfo` verifies it by calling the backend's /auth/me with it instead.
 */
function handoff(backendUrl: string): BffOptions['handoff'] {
  const mode = process.env.BFF_HANDOFF;
  if (!mode || mode === '0' || mode === 'false') return undefined;
  if (mode === 'userinfo') return { verify: 'userinfo' };
  return {
    verify: {
      jwksUrl: `${backendUrl.replace(/\/$/, '')}/.well-known/jwks.json`,
      issuer: process.env.BFF_HANDOFF_ISSUER ?? 'bffkit-example-backend',
      audience: process.env.BFF_HANDOFF_AUDIENCE ?? 'bffkit-example-api',
    },
  };
}

function trustProxy(): boolean | number {
  const value = process.env.BFF_TRUST_PROXY;
  if (!value || value === 'false' || value === '0') return false;
  return value === 'true' ? true : Number(value);
}

declare global {
  // eslint-disable-next-line no-var
  var __devSecret: string | undefined;
}
