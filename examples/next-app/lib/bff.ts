import 'server-only';
import { randomBytes } from 'node:crypto';
import { credentialsBackend, oidcBackend, type BffOptions, type CredentialsBackendOptions, type CredentialsPresetName } from 'bffkit';
import { createBffNext } from 'bffkit/next';
import { eventsSink } from './events';
import { sessionStorage } from './session-store';

/**
 * The app's one bffkit instance. The options are a function so the environment is read at the first
 * request, not during `next build`.
 */
export const bff = createBffNext(() => {
  const port = process.env.PORT ?? '3000';
  const backendUrl = process.env.BACKEND_URL ?? 'http://127.0.0.1:4000';
  const secret = secrets();
  const storage = sessionStorage(secret);
  return {
    secret,
    // BFF_SESSION_STORE=redis + REDIS_URL: sessions in Redis (see lib/session-store.ts). Default: the cookie.
    ...storage,
    refresh: {
      ...storage.refresh,
      ...(process.env.BFF_SUCCESSOR_TTL && { successorTtl: seconds('BFF_SUCCESSOR_TTL', 120) }),
      // BFF_LOCK_TIMEOUT: the refresh lock's lease in seconds (default 15; renewed while a refresh runs).
      ...(process.env.BFF_LOCK_TIMEOUT && { lockTimeout: seconds('BFF_LOCK_TIMEOUT', 15) }),
    },
    // Audit events: one JSON line per event on stdout (lib/events.ts). OpenTelemetry: instrumentation.ts.
    events: eventsSink(),
    diagnostics: diagnostics(),
    baseUrl: process.env.APP_URL ?? `http://localhost:${port}`,
    backend: backend(backendUrl),
    defaultReturnTo: '/profile',
    upstreams: {
      backend: {
        url: backendUrl,
        mount: '/api/backend',
        allow: upstreamRules(),
        // BFF_UPSTREAM_TRAILING_SLASH=1: forwarded paths get a trailing '/' (Django REST framework wants one).
        trailingSlash: process.env.BFF_UPSTREAM_TRAILING_SLASH === '1',
        timeout: seconds('BACKEND_TIMEOUT', 30),
      },
      ...billingUpstream(),
      // Large transfers get their own mount with a higher body limit (the default is 10 MiB), so the
      // ordinary API keeps the tight one. Both stream: nothing is buffered whole.
      files: {
        url: backendUrl,
        mount: '/api/files',
        allow: [
          { path: '/notes/export/stream', methods: ['GET'] },
          { path: '/notes/import/stream', methods: ['POST'] },
        ],
        maxRequestBodyBytes: 256 * 1024 * 1024,
        timeout: seconds('BACKEND_TIMEOUT', 30),
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

/**
 * A second API with its own audience (BILLING_URL, e.g. the example backend with API_ROLE=billing):
 * it gets a token for OIDC_BILLING_RESOURCE (RFC 8707), never the session's own token. Off without
 * BILLING_URL. With OIDC_CLIENT_CREDENTIALS=1 its /rates route gets the app's own machine token.
 */
function billingUpstream(): NonNullable<BffOptions['upstreams']> {
  const url = process.env.BILLING_URL;
  if (!url) return {};
  const resource = process.env.OIDC_BILLING_RESOURCE ?? 'urn:bffkit:billing-api';
  return {
    billing: { url, mount: '/api/billing', allow: [{ path: '/invoices', methods: ['GET'] }], token: { resource } },
    ...(process.env.OIDC_CLIENT_CREDENTIALS === '1'
      ? { rates: { url, mount: '/api/rates', allow: [{ path: '/rates', methods: ['GET'] }], token: { clientCredentials: { resource } } } }
      : {}),
  };
}

/** True when the billing API is configured (the header shows its page). */
export function billingConfigured(): boolean {
  return Boolean(process.env.BILLING_URL);
}

/** True when the app signs in through an OpenID provider (BFF_BACKEND=oidc): the login page shows its button. */
export function oidcConfigured(): boolean {
  return (process.env.BFF_BACKEND ?? '').trim().toLowerCase() === 'oidc';
}

/**
 * The backend adapter, from BFF_BACKEND: `credentials` (default) posts e-mail and password to the backend
 * (see {@link credentials}); `oidc` signs in through an OpenID provider (OIDC_ISSUER, OIDC_CLIENT_ID, and
 * OIDC_CLIENT_SECRET or, for private_key_jwt, OIDC_CLIENT_KEY: a private JWK as JSON; optional OIDC_SCOPES
 * space-separated, OIDC_CLIENT_AUTH, OIDC_RESOURCE space-separated, OIDC_AUDIENCE, OIDC_PAR (1, 0 or
 * auto), OIDC_DPOP=1, and OIDC_PROFILE=fapi2 for the FAPI 2.0 Security Profile). The provider must
 * register {APP_URL}/api/auth/oidc/callback, {APP_URL}/ after logout and, for back-channel logout,
 * {APP_URL}/api/auth/oidc/backchannel-logout. See docs/oidc.md and docs/fapi.md.
 */
function backend(backendUrl: string): BffOptions['backend'] {
  if (!oidcConfigured()) return credentials(backendUrl);
  const env = (name: string) => {
    const value = process.env[name];
    if (!value) throw new Error(`[example] BFF_BACKEND=oidc needs ${name}`);
    return value;
  };
  const auth = process.env.OIDC_CLIENT_AUTH;
  const key = process.env.OIDC_CLIENT_KEY;
  const par = process.env.OIDC_PAR;
  return oidcBackend({
    issuer: env('OIDC_ISSUER'),
    clientId: env('OIDC_CLIENT_ID'),
    ...(key ? { clientKeys: key } : { clientSecret: env('OIDC_CLIENT_SECRET') }),
    ...(process.env.OIDC_PROFILE === 'fapi2' ? { profile: 'fapi2' as const } : {}),
    ...(process.env.OIDC_SCOPES ? { scopes: process.env.OIDC_SCOPES.split(/\s+/).filter(Boolean) } : {}),
    ...(auth === 'client_secret_post' || auth === 'client_secret_basic' || auth === 'private_key_jwt' ? { clientAuth: auth } : {}),
    ...(process.env.OIDC_RESOURCE ? { resource: process.env.OIDC_RESOURCE.split(/\s+/).filter(Boolean) } : {}),
    ...(process.env.OIDC_AUDIENCE ? { audience: process.env.OIDC_AUDIENCE } : {}),
    ...(par === '1' || par === '0' ? { par: par === '1' } : {}),
    ...(process.env.OIDC_DPOP === '1' ? { dpop: true } : {}),
  });
}

const PRESETS: readonly CredentialsPresetName[] = ['oauth2', 'simplejwt', 'betterAuth', 'payload'];

/**
 * Any credentials backend by configuration alone: BFF_BACKEND_PRESET picks a preset (`oauth2`, the
 * example backend, by default; `simplejwt`, `betterAuth`, `payload`), and BFF_BACKEND_CONFIG (JSON)
 * overrides any of its options, e.g. `{"user":{"path":"/api/me/"}}`. See docs/backends/.
 */
function credentials(backendUrl: string): BffOptions['backend'] {
  const preset = (process.env.BFF_BACKEND_PRESET || 'oauth2') as CredentialsPresetName;
  if (!PRESETS.includes(preset)) throw new Error(`[example] BFF_BACKEND_PRESET must be one of ${PRESETS.join(', ')}`);
  let extra: Partial<CredentialsBackendOptions> = {};
  if (process.env.BFF_BACKEND_CONFIG) {
    try {
      extra = JSON.parse(process.env.BFF_BACKEND_CONFIG) as Partial<CredentialsBackendOptions>;
    } catch {
      throw new Error('[example] BFF_BACKEND_CONFIG must be JSON (credentialsBackend options)');
    }
  }
  return credentialsBackend({ url: backendUrl, preset, ...extra });
}

/**
 * What the browser may reach through /api/backend: BFF_UPSTREAM_PATHS (comma-separated path prefixes)
 * or the example backend's /notes and /auth/me.
 */
function upstreamRules() {
  const paths = (process.env.BFF_UPSTREAM_PATHS ?? '').split(',').map((p) => p.trim()).filter(Boolean);
  if (paths.length === 0) {
    return [
      { path: '/notes', methods: ['GET', 'POST', 'PATCH', 'DELETE'] },
      { path: '/auth/me', methods: ['GET'] },
      // The sensitive action (/payments page): the backend may answer it with a step-up challenge.
      { path: '/payments', methods: ['POST'] },
    ];
  }
  return paths.map((path) => ({ path, methods: ['GET', 'POST', 'PATCH', 'DELETE'] }));
}

/**
 * The diagnostics endpoint (GET /api/auth/diagnostics, and the /diagnostics page): on by default under
 * `next dev` only; BFF_DIAGNOSTICS=1 turns it on elsewhere, and then BFF_DIAGNOSTICS_TOKEN (32+
 * characters) is required in production. BFF_DIAGNOSTICS=0 turns it off everywhere.
 */
function diagnostics(): BffOptions['diagnostics'] {
  const flag = process.env.BFF_DIAGNOSTICS;
  const token = process.env.BFF_DIAGNOSTICS_TOKEN;
  return {
    ...(flag === '1' || flag === 'true' ? { enabled: true } : flag === '0' || flag === 'false' ? { enabled: false } : {}),
    ...(token ? { token } : {}),
  };
}

/** A positive number of seconds from the environment, or the default. */
function seconds(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
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
