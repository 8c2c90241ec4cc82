/**
 * The example identity provider's settings, read once from the environment. Every variable has a
 * development default, so `node examples/oidc-provider/server.mjs` runs as is next to the example app.
 */

const ONE_DAY = 24 * 60 * 60;

function int(env, name, fallback, min, max) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new TypeError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return Number(raw);
}

function origin(name, raw) {
  let url;
  try {
    url = new URL(raw);
  } catch {
    throw new TypeError(`${name} must be a URL such as http://localhost:3000, got "${raw}"`);
  }
  return url.origin;
}

/**
 * @example
 * const config = loadConfig(process.env);
 */
export function loadConfig(env) {
  const port = int(env, 'OIDC_PORT', 4010, 0, 65535);
  const clientAuth = env.OIDC_CLIENT_AUTH || 'client_secret_basic';
  if (clientAuth !== 'client_secret_basic' && clientAuth !== 'client_secret_post') {
    throw new TypeError('OIDC_CLIENT_AUTH must be client_secret_basic or client_secret_post');
  }
  return {
    /** TCP port on 127.0.0.1. */
    port,
    /** The issuer identifier; tokens carry it as `iss`. */
    issuer: (env.OIDC_ISSUER || `http://localhost:${port}`).replace(/\/$/, ''),
    /** The example app's origin: its callback, post-logout and back-channel URLs are registered from it. */
    appUrl: origin('OIDC_APP_URL', env.OIDC_APP_URL || 'http://localhost:3000'),
    clientId: env.OIDC_CLIENT_ID || 'bffkit-example',
    clientSecret: env.OIDC_CLIENT_SECRET || 'bffkit-example-client-secret-for-development',
    clientAuth,
    /** The example API (RFC 8707 resource indicator): the `aud` of the JWT access tokens. */
    apiResource: env.OIDC_API_RESOURCE || 'urn:bffkit:example-api',
    /** Access-token lifetime in seconds (short in tests, to exercise refresh). */
    accessTokenTtl: int(env, 'OIDC_ACCESS_TOKEN_TTL', 300, 1, ONE_DAY),
    idTokenTtl: int(env, 'OIDC_ID_TOKEN_TTL', 3600, 1, ONE_DAY),
    refreshTokenTtl: int(env, 'OIDC_REFRESH_TOKEN_TTL', 14 * ONE_DAY, 1, 365 * ONE_DAY),
    /** `/__stats` (token endpoint counters) and `/__stats/reset`, for tests. */
    statsEnabled: env.OIDC_STATS === '1',
  };
}
