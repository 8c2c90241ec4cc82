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

/** The profiles `OIDC_PROFILE` selects. */
const PROFILES = ['default', 'fapi2'];
/** Where the provider demands a server-provided DPoP nonce (RFC 9449 section 8). */
const DPOP_NONCE = ['off', 'token', 'all'];

function oneOf(env, name, values, fallback) {
  const raw = env[name] || fallback;
  if (!values.includes(raw)) throw new TypeError(`${name} must be one of ${values.join(', ')}, got "${raw}"`);
  return raw;
}

function flag(env, name) {
  const raw = env[name];
  if (raw === undefined || raw === '' || raw === '0') return false;
  if (raw === '1') return true;
  throw new TypeError(`${name} must be 1 or 0, got "${raw}"`);
}

/** A resource indicator (RFC 8707): an absolute URI without a fragment. */
function resourceUri(name, raw) {
  if (!URL.canParse(raw) || raw.includes('#')) throw new TypeError(`${name} must be an absolute URI without a fragment, got "${raw}"`);
  return raw;
}

/** The client's public keys for private_key_jwt: a JWK Set (JSON) of public keys only. */
function publicJwks(name, raw) {
  let jwks;
  try {
    jwks = JSON.parse(raw);
  } catch {
    throw new TypeError(`${name} must be a JWK Set as JSON, {"keys":[...]}`);
  }
  if (!Array.isArray(jwks?.keys) || jwks.keys.length === 0) throw new TypeError(`${name} must be a JWK Set with at least one key`);
  for (const key of jwks.keys) {
    if (typeof key !== 'object' || key === null || typeof key.kty !== 'string') throw new TypeError(`${name}: every key needs a "kty"`);
    if ('d' in key) throw new TypeError(`${name} must hold public keys only (a key has "d")`);
  }
  return jwks;
}

function otp(raw) {
  if (!/^\d{6}$/.test(raw)) throw new TypeError(`OIDC_OTP_CODE must be six digits, got "${raw}"`);
  return raw;
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
  const profile = oneOf(env, 'OIDC_PROFILE', PROFILES, 'default');
  const fapi = profile === 'fapi2';
  const clientAuth = oneOf(env, 'OIDC_CLIENT_AUTH', ['client_secret_basic', 'client_secret_post', 'private_key_jwt'], fapi ? 'private_key_jwt' : 'client_secret_basic');
  if (fapi && clientAuth !== 'private_key_jwt') throw new TypeError('OIDC_PROFILE=fapi2 authenticates the client with private_key_jwt only (FAPI 2.0 5.3.2.1)');
  if (clientAuth === 'private_key_jwt' && !env.OIDC_CLIENT_JWKS) {
    throw new TypeError('OIDC_CLIENT_JWKS (the client\'s public JWK Set) is required for private_key_jwt client authentication');
  }
  const apiResource = resourceUri('OIDC_API_RESOURCE', env.OIDC_API_RESOURCE || 'urn:bffkit:example-api');
  const billingResource = env.OIDC_BILLING_RESOURCE ? resourceUri('OIDC_BILLING_RESOURCE', env.OIDC_BILLING_RESOURCE) : null;
  const partnerResource = env.OIDC_PARTNER_RESOURCE ? resourceUri('OIDC_PARTNER_RESOURCE', env.OIDC_PARTNER_RESOURCE) : null;
  const indicators = [apiResource, billingResource, partnerResource].filter(Boolean);
  if (new Set(indicators).size !== indicators.length) throw new TypeError('OIDC_API_RESOURCE, OIDC_BILLING_RESOURCE and OIDC_PARTNER_RESOURCE must differ');
  const tokenExchange = flag(env, 'OIDC_TOKEN_EXCHANGE');
  const par = env.OIDC_PAR === undefined || env.OIDC_PAR === '' ? true : flag(env, 'OIDC_PAR');
  if (fapi && !par) throw new TypeError('OIDC_PROFILE=fapi2 requires pushed authorization requests: OIDC_PAR=0 is not allowed');
  if (partnerResource && !tokenExchange) throw new TypeError('OIDC_PARTNER_RESOURCE is reached by token exchange only: set OIDC_TOKEN_EXCHANGE=1');
  return {
    /** `default` (today's example provider) or `fapi2` (FAPI 2.0 Security Profile: PAR, private_key_jwt, DPoP). */
    profile,
    /** TCP port on 127.0.0.1. */
    port,
    /** The issuer identifier; tokens carry it as `iss`. */
    issuer: (env.OIDC_ISSUER || `http://localhost:${port}`).replace(/\/$/, ''),
    /** The example app's origin: its callback, post-logout and back-channel URLs are registered from it. */
    appUrl: origin('OIDC_APP_URL', env.OIDC_APP_URL || 'http://localhost:3000'),
    clientId: env.OIDC_CLIENT_ID || 'bffkit-example',
    clientSecret: env.OIDC_CLIENT_SECRET || 'bffkit-example-client-secret-for-development',
    clientAuth,
    /** The client's public JWK Set (private_key_jwt), or null. */
    clientJwks: env.OIDC_CLIENT_JWKS ? publicJwks('OIDC_CLIENT_JWKS', env.OIDC_CLIENT_JWKS) : null,
    /** The example API (RFC 8707 resource indicator): the `aud` of the JWT access tokens. */
    apiResource,
    /** A second API with its own audience (scope `billing`), or null for the example API only. */
    billingResource,
    /** A third API (scope `partner`) whose tokens only the token-exchange grant issues, or null. */
    partnerResource,
    /** Registers the RFC 8693 token-exchange grant for the client. */
    tokenExchange,
    /** Offers pushed authorization requests (RFC 9126); `OIDC_PAR=0` turns the endpoint off (to test clients that require it). */
    par,
    /** Registers the client-credentials grant (the app's own machine tokens, no user). */
    clientCredentials: flag(env, 'OIDC_CLIENT_CREDENTIALS'),
    /** `acr_values` with two levels (password; password + one-time code) and `acr`/`amr`/`auth_time` in tokens. */
    stepUp: flag(env, 'OIDC_STEP_UP'),
    /** The fixed second-factor code of the development login (step-up only). */
    otpCode: otp(env.OIDC_OTP_CODE || '123456'),
    /** Where a DPoP nonce is required: off, the token endpoint, or every DPoP endpoint (PAR, token, userinfo). */
    dpopNonce: oneOf(env, 'OIDC_DPOP_NONCE', DPOP_NONCE, fapi ? 'token' : 'off'),
    /** Access-token lifetime in seconds (short in tests, to exercise refresh). */
    accessTokenTtl: int(env, 'OIDC_ACCESS_TOKEN_TTL', 300, 1, ONE_DAY),
    idTokenTtl: int(env, 'OIDC_ID_TOKEN_TTL', 3600, 1, ONE_DAY),
    refreshTokenTtl: int(env, 'OIDC_REFRESH_TOKEN_TTL', 14 * ONE_DAY, 1, 365 * ONE_DAY),
    /** `/__stats` (token endpoint counters) and `/__stats/reset`, for tests. */
    statsEnabled: env.OIDC_STATS === '1',
  };
}
