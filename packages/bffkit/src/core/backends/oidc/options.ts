import { ConfigError } from '../../errors';
import { isSafeReturnTo } from '../../http/return-to';
import { configuredUrl } from '../../http/url';
import type { SessionUser } from '../../types';
import { ONE_HOUR } from '../../time';

/** Options of `oidcBackend`. Every field but `issuer`, `clientId` and `clientSecret` has a default. */
export interface OidcBackendOptions {
  /** The provider's issuer URL, e.g. `https://login.example.com/realms/main`. Discovery reads `{issuer}/.well-known/openid-configuration`. */
  issuer: string;
  /** The client (application) id registered at the provider. */
  clientId: string;
  /** The client secret: bffkit is a confidential client. */
  clientSecret: string;
  /** How the client authenticates at the token endpoint. @default 'client_secret_basic' */
  clientAuth?: 'client_secret_basic' | 'client_secret_post';
  /** Scopes to request. `openid` is always included. @default ['openid', 'profile', 'email', 'offline_access'] */
  scopes?: readonly string[];
  /** The API the access token is for, as the Auth0 / Okta style `audience` parameter. @default undefined */
  audience?: string;
  /** RFC 8707 resource indicator(s) for the access token, sent on the authorization and token requests. @default undefined */
  resource?: string | readonly string[];
  /** Extra authorization request parameters (e.g. `{ prompt: 'login' }`); cannot override the protocol ones. @default {} */
  authorizationParams?: Readonly<Record<string, string>>;
  /** Also read the display user from the userinfo endpoint (else the ID token claims only). @default false */
  userinfo?: boolean;
  /** Maps the claims (ID token, merged with userinfo) to the display user. `id` is always the provider's `sub`. @default email + name */
  mapClaims?: (claims: Record<string, unknown>) => Omit<SessionUser, 'id'>;
  /** App path the provider returns to after RP-initiated logout; register `{baseUrl}{path}` at the provider. @default '/' */
  postLogoutRedirect?: string;
  /** Send `id_token_hint` at RP-initiated logout (Okta requires it; Keycloak skips its confirmation with it). @default true */
  idTokenHint?: boolean;
  /** Revoke the refresh token at logout when the provider has a revocation endpoint. @default true */
  revokeOnLogout?: boolean;
  /** The ID token signing algorithm to require. @default what discovery lists, else RS256 */
  idTokenSigningAlg?: string;
  /** Seconds to wait for the provider. @default 10 */
  timeout?: number;
  /** Seconds discovery metadata is kept before it is fetched again. @default ONE_HOUR */
  discoveryTtl?: number;
}

/** The validated options. */
export interface ResolvedOidcOptions {
  issuer: URL;
  clientId: string;
  clientSecret: string;
  clientAuth: 'client_secret_basic' | 'client_secret_post';
  scope: string;
  extraParams: Record<string, string | string[]>;
  resource: string[];
  userinfo: boolean;
  mapClaims: (claims: Record<string, unknown>) => Omit<SessionUser, 'id'>;
  postLogoutRedirect: string;
  idTokenHint: boolean;
  revokeOnLogout: boolean;
  idTokenSigningAlg: string | undefined;
  timeoutMs: number;
  discoveryTtl: number;
  /** Plain http is allowed only for a loopback issuer (development and tests). */
  allowHttp: boolean;
}

export const OIDC_DEFAULTS = {
  clientAuth: 'client_secret_basic',
  scopes: ['openid', 'profile', 'email', 'offline_access'],
  postLogoutRedirect: '/',
  timeout: 10,
  discoveryTtl: ONE_HOUR,
} as const;

// Parameters bffkit sets itself: a caller-supplied value must never replace them (PKCE, state, nonce).
const RESERVED = new Set(['client_id', 'redirect_uri', 'response_type', 'scope', 'state', 'nonce', 'code_challenge', 'code_challenge_method', 'response_mode', 'request', 'request_uri']);

/**
 * Validates the options once; throws {@link ConfigError} naming the field (never its value).
 *
 * @example
 * const resolved = resolveOidcOptions({ issuer: 'https://idp.example.com', clientId: 'app', clientSecret: 's3cret' });
 */
export function resolveOidcOptions(o: OidcBackendOptions): ResolvedOidcOptions {
  if (!o || typeof o !== 'object') throw new ConfigError('backend', 'oidcBackend needs an options object');
  const issuer = parseIssuer(o.issuer);
  if (typeof o.clientId !== 'string' || o.clientId === '') throw new ConfigError('backend.clientId', 'is required');
  if (typeof o.clientSecret !== 'string' || o.clientSecret === '') throw new ConfigError('backend.clientSecret', 'is required');
  const clientAuth = o.clientAuth ?? OIDC_DEFAULTS.clientAuth;
  if (clientAuth !== 'client_secret_basic' && clientAuth !== 'client_secret_post') {
    throw new ConfigError('backend.clientAuth', "must be 'client_secret_basic' or 'client_secret_post'");
  }
  const scopes = o.scopes ?? OIDC_DEFAULTS.scopes;
  if (!Array.isArray(scopes) || scopes.some((s) => typeof s !== 'string' || !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s))) {
    throw new ConfigError('backend.scopes', 'must be a list of scope names');
  }
  const extraParams: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(o.authorizationParams ?? {})) {
    if (RESERVED.has(k)) throw new ConfigError(`backend.authorizationParams.${k}`, 'is set by bffkit and cannot be overridden');
    if (typeof v !== 'string') throw new ConfigError(`backend.authorizationParams.${k}`, 'must be a string');
    extraParams[k] = v;
  }
  if (o.audience !== undefined) {
    if (typeof o.audience !== 'string' || o.audience === '') throw new ConfigError('backend.audience', 'must be a non-empty string');
    extraParams.audience = o.audience;
  }
  const resource = o.resource === undefined ? [] : typeof o.resource === 'string' ? [o.resource] : [...o.resource];
  for (const r of resource) {
    if (typeof r !== 'string' || !URL.canParse(r) || r.includes('#')) throw new ConfigError('backend.resource', 'must be absolute URIs without a fragment');
  }
  if (resource.length) extraParams.resource = resource;
  const postLogoutRedirect = o.postLogoutRedirect ?? OIDC_DEFAULTS.postLogoutRedirect;
  if (!isSafeReturnTo(postLogoutRedirect)) {
    throw new ConfigError('backend.postLogoutRedirect', "must be an app path such as '/'");
  }
  if (o.mapClaims !== undefined && typeof o.mapClaims !== 'function') throw new ConfigError('backend.mapClaims', 'must be a function');
  return {
    issuer,
    clientId: o.clientId,
    clientSecret: o.clientSecret,
    clientAuth,
    scope: [...new Set(['openid', ...scopes])].join(' '),
    extraParams,
    resource,
    userinfo: o.userinfo === true,
    mapClaims: o.mapClaims ?? defaultMapClaims,
    postLogoutRedirect,
    idTokenHint: o.idTokenHint ?? true,
    revokeOnLogout: o.revokeOnLogout ?? true,
    idTokenSigningAlg: o.idTokenSigningAlg,
    timeoutMs: positive('backend.timeout', o.timeout, OIDC_DEFAULTS.timeout) * 1000,
    discoveryTtl: positive('backend.discoveryTtl', o.discoveryTtl, OIDC_DEFAULTS.discoveryTtl),
    allowHttp: issuer.protocol === 'http:',
  };
}

/**
 * The default display user: `email` and a name (`name`, else given + family name, else `preferred_username`).
 *
 * @example
 * defaultMapClaims({ sub: 'u1', email: 'a@b.c', name: 'Ann' }) // { email: 'a@b.c', name: 'Ann' }
 */
export function defaultMapClaims(claims: Record<string, unknown>): Omit<SessionUser, 'id'> {
  const user: Omit<SessionUser, 'id'> = {};
  if (typeof claims.email === 'string') user.email = claims.email;
  const given = [claims.given_name, claims.family_name].filter((x): x is string => typeof x === 'string').join(' ');
  const name = typeof claims.name === 'string' ? claims.name : given || (typeof claims.preferred_username === 'string' ? claims.preferred_username : undefined);
  if (name) user.name = name;
  return user;
}

function parseIssuer(value: unknown): URL {
  // Why https: discovery, keys and tokens travel over this origin; plain http only on loopback.
  return configuredUrl('backend.issuer', value, { httpsUnlessLoopback: true });
}

function positive(field: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new ConfigError(field, 'must be a positive number of seconds');
  return value;
}
