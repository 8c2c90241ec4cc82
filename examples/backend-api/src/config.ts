/** Seconds in one day. */
export const ONE_DAY = 24 * 60 * 60;

/** Largest JSON request body accepted by any JSON route (1 MiB). */
export const MAX_JSON_BODY_BYTES = 1024 * 1024;

/** Runtime configuration of the example backend, read once from the environment. */
export interface BackendConfig {
  /** TCP port on 127.0.0.1. `0` picks a free port. @default 4000 */
  port: number;
  /** SQLite file, or `:memory:` for a fresh database on every start. @default ':memory:' */
  databasePath: string;
  /** Access-token lifetime in seconds (minimum 1). @default 300 */
  accessTokenTtl: number;
  /** Refresh-token lifetime in seconds (minimum 1). @default 30 days */
  refreshTokenTtl: number;
  /** `iss` claim of issued access tokens. @default 'bffkit-example-backend' */
  issuer: string;
  /** `aud` claim of issued access tokens. @default 'bffkit-example-api' */
  audience: string;
  /** Enables `/__stats` and `/__test/*`. @default false */
  statsEnabled: boolean;
  /** Exact origin allowed by CORS on the token-handoff routes, or null for no CORS. @default null */
  corsOrigin: string | null;
  /** Private JWK (JSON) used to sign access tokens; null generates a key pair at start. @default null */
  privateJwk: string | null;
  /**
   * Also accept access tokens of an OpenID provider (OIDC_ISSUER + OIDC_JWKS_URL + OIDC_AUDIENCE),
   * mapped to users by their `email` claim. @default null (only this backend's own tokens)
   */
  oidc: { issuer: string; jwksUrl: string; audience: string } | null;
  /**
   * Which API this process is: `notes` (the example API: login, notes, payments) or `billing` (a second
   * API with its own audience: invoices only, the identity provider's tokens only). @default 'notes'
   */
  role: 'notes' | 'billing';
  /**
   * Origins clients reach this API at; a DPoP proof's `htu` must name one of them.
   * @default [`http://127.0.0.1:${port}`, `http://localhost:${port}`]
   */
  publicOrigins: string[];
  /** Demand a server nonce in DPoP proofs (RFC 9449 section 9). @default false */
  dpopNonce: boolean;
  /** What `POST /payments` requires (RFC 9470): one of these `acr` values, authenticated at most `maxAge` seconds ago. */
  stepUp: { acr: string[]; maxAge: number };
}

/** All defaults in one place. */
export const DEFAULT_CONFIG: BackendConfig = {
  port: 4000,
  databasePath: ':memory:',
  accessTokenTtl: 300,
  refreshTokenTtl: 30 * ONE_DAY,
  issuer: 'bffkit-example-backend',
  audience: 'bffkit-example-api',
  statsEnabled: false,
  corsOrigin: null,
  privateJwk: null,
  oidc: null,
  role: 'notes',
  publicOrigins: ['http://127.0.0.1:4000', 'http://localhost:4000'],
  dpopNonce: false,
  stepUp: { acr: ['urn:bffkit:acr:mfa'], maxAge: 300 },
};

function readInt(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new TypeError(`${name} must be an integer, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new TypeError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function readOrigin(raw: string | undefined): string | null {
  if (raw === undefined || raw === '') return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TypeError(`CORS_ORIGIN must be an origin such as http://localhost:3000, got "${raw}"`);
  }
  if (url.origin !== raw.replace(/\/$/, '')) {
    throw new TypeError(`CORS_ORIGIN must be a bare origin (scheme://host[:port]), got "${raw}"`);
  }
  return url.origin;
}

/**
 * Reads and validates the backend configuration from environment variables.
 * Throws a TypeError naming the variable when a value is invalid.
 *
 * @example
 * const config = loadConfig(process.env);
 * console.log(config.port); // 4000
 */
export function loadConfig(env: NodeJS.ProcessEnv): BackendConfig {
  const port = readInt(env, 'BACKEND_PORT', DEFAULT_CONFIG.port, 0, 65535);
  const oidc = readOidc(env);
  const role = readRole(env.API_ROLE);
  if (role === 'billing' && !oidc) throw new TypeError('API_ROLE=billing accepts the identity provider\'s tokens only: set OIDC_ISSUER, OIDC_JWKS_URL and OIDC_AUDIENCE');
  return {
    port,
    databasePath: env.DATABASE_PATH || DEFAULT_CONFIG.databasePath,
    accessTokenTtl: readInt(env, 'ACCESS_TOKEN_TTL', DEFAULT_CONFIG.accessTokenTtl, 1, 365 * ONE_DAY),
    refreshTokenTtl: readInt(env, 'REFRESH_TOKEN_TTL', DEFAULT_CONFIG.refreshTokenTtl, 1, 3650 * ONE_DAY),
    issuer: env.JWT_ISSUER || DEFAULT_CONFIG.issuer,
    audience: env.JWT_AUDIENCE || DEFAULT_CONFIG.audience,
    statsEnabled: env.EXAMPLE_BACKEND_STATS === '1',
    corsOrigin: readOrigin(env.CORS_ORIGIN),
    privateJwk: env.JWT_PRIVATE_JWK || null,
    oidc,
    role,
    publicOrigins: readOrigins(env.PUBLIC_ORIGIN, port),
    dpopNonce: readFlag(env, 'DPOP_NONCE'),
    stepUp: {
      acr: env.STEP_UP_ACR ? env.STEP_UP_ACR.split(',').map((v) => v.trim()).filter(Boolean) : DEFAULT_CONFIG.stepUp.acr,
      maxAge: readInt(env, 'STEP_UP_MAX_AGE', DEFAULT_CONFIG.stepUp.maxAge, 1, 365 * ONE_DAY),
    },
  };
}

function readRole(raw: string | undefined): BackendConfig['role'] {
  if (raw === undefined || raw === '' || raw === 'notes') return 'notes';
  if (raw === 'billing') return 'billing';
  throw new TypeError(`API_ROLE must be notes or billing, got "${raw}"`);
}

function readFlag(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '' || raw === '0') return false;
  if (raw === '1') return true;
  throw new TypeError(`${name} must be 1 or 0, got "${raw}"`);
}

function readOrigins(raw: string | undefined, port: number): string[] {
  if (raw === undefined || raw === '') return [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
  return raw.split(',').map((one) => {
    const value = one.trim();
    if (!URL.canParse(value) || new URL(value).origin !== value.replace(/\/$/, '')) {
      throw new TypeError(`PUBLIC_ORIGIN must be origins such as http://api.example.com, comma-separated, got "${value}"`);
    }
    return new URL(value).origin;
  });
}

function readOidc(env: NodeJS.ProcessEnv): BackendConfig['oidc'] {
  const issuer = env.OIDC_ISSUER;
  if (!issuer) return null;
  for (const name of ['OIDC_JWKS_URL', 'OIDC_AUDIENCE'] as const) {
    if (!env[name]) throw new TypeError(`${name} is required when OIDC_ISSUER is set`);
  }
  try {
    new URL(env.OIDC_JWKS_URL!);
  } catch {
    throw new TypeError(`OIDC_JWKS_URL must be a URL, got "${env.OIDC_JWKS_URL}"`);
  }
  return { issuer, jwksUrl: env.OIDC_JWKS_URL!, audience: env.OIDC_AUDIENCE! };
}
