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
  return {
    port: readInt(env, 'BACKEND_PORT', DEFAULT_CONFIG.port, 0, 65535),
    databasePath: env.DATABASE_PATH || DEFAULT_CONFIG.databasePath,
    accessTokenTtl: readInt(env, 'ACCESS_TOKEN_TTL', DEFAULT_CONFIG.accessTokenTtl, 1, 365 * ONE_DAY),
    refreshTokenTtl: readInt(env, 'REFRESH_TOKEN_TTL', DEFAULT_CONFIG.refreshTokenTtl, 1, 3650 * ONE_DAY),
    issuer: env.JWT_ISSUER || DEFAULT_CONFIG.issuer,
    audience: env.JWT_AUDIENCE || DEFAULT_CONFIG.audience,
    statsEnabled: env.EXAMPLE_BACKEND_STATS === '1',
    corsOrigin: readOrigin(env.CORS_ORIGIN),
    privateJwk: env.JWT_PRIVATE_JWK || null,
    oidc: readOidc(env),
  };
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
