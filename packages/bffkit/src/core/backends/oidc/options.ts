import { ConfigError } from '../../errors';
import { resolveClientKeys, type ClientKey, type ClientKeyInput } from './client-keys';
import { isSafeReturnTo } from '../../http/return-to';
import { configuredUrl } from '../../http/url';
import type { SessionUser } from '../../types';
import { ONE_HOUR } from '../../time';

/** Client authentication methods at the token and PAR endpoints. */
export type OidcClientAuth = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';

/**
 * Options of `oidcBackend`. Every field but `issuer`, `clientId` and a client credential (`clientSecret`,
 * or `clientKeys` with `private_key_jwt`) has a default.
 */
export interface OidcBackendOptions {
  /** The provider's issuer URL, e.g. `https://login.example.com/realms/main`. Discovery reads `{issuer}/.well-known/openid-configuration`. */
  issuer: string;
  /** The client (application) id registered at the provider. */
  clientId: string;
  /** The client secret: bffkit is a confidential client. Not used (and refused) with `private_key_jwt`. */
  clientSecret?: string;
  /** How the client authenticates at the token and PAR endpoints. @default 'client_secret_basic' ('private_key_jwt' with `profile: 'fapi2'`) */
  clientAuth?: OidcClientAuth;
  /**
   * The client's private key(s) for `private_key_jwt`: a private JWK (object or JSON string) or a
   * PKCS#8 PEM, optionally as `{ key, kid, alg }`. ES256, PS256 (RSA ≥ 2048 bits) or EdDSA. The first
   * key signs; all public keys are served at `{basePath}/oidc/jwks`. To rotate, register the new public
   * key at the provider (or let it read that URL), then list the new key first and the old one second.
   * @default undefined
   */
  clientKeys?: ClientKeyInput | readonly ClientKeyInput[];
  /**
   * Pushed authorization requests (RFC 9126): `true` requires them (a provider without a PAR endpoint
   * fails `verify()` and every login), `'auto'` uses them when the provider advertises an endpoint,
   * `false` never. @default 'auto' (true with `profile: 'fapi2'`)
   */
  par?: boolean | 'auto';
  /**
   * DPoP (RFC 9449): a key pair per session, every token request and every upstream call proved with
   * it, server nonces retried once. @default false (true with `profile: 'fapi2'`)
   */
  dpop?: boolean;
  /**
   * `'fapi2'`: the FAPI 2.0 Security Profile. Turns on PAR, `private_key_jwt`, DPoP and a required
   * `iss` in the authorization response (RFC 9207), and refuses at construction what the profile
   * forbids (a client secret, `par: false`, `dpop: false`, RS256). See docs/fapi.md. @default undefined
   */
  profile?: 'fapi2';
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
  /** Set for the `client_secret_*` methods. */
  clientSecret: string | undefined;
  clientAuth: OidcClientAuth;
  /** Set for `private_key_jwt`: the first signs. */
  clientKeys: ClientKey[];
  par: boolean | 'auto';
  dpop: boolean;
  fapi: boolean;
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

// Parameters bffkit sets itself: a caller-supplied value must never replace them (PKCE, state, nonce,
// the step-up level, the DPoP key binding).
const RESERVED = new Set(['client_id', 'redirect_uri', 'response_type', 'scope', 'state', 'nonce', 'code_challenge', 'code_challenge_method', 'response_mode', 'request', 'request_uri', 'acr_values', 'max_age', 'dpop_jkt']);
/** Signing algorithms FAPI 2.0 allows (5.4.1). */
export const FAPI_ALGS: readonly string[] = ['PS256', 'ES256', 'EdDSA'];

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
  if (o.profile !== undefined && o.profile !== 'fapi2') throw new ConfigError('backend.profile', "must be 'fapi2' or left out");
  const fapi = o.profile === 'fapi2';
  const { clientAuth, clientSecret, clientKeys } = resolveClientAuth(o, fapi);
  const par = o.par ?? (fapi ? true : 'auto');
  if (par !== true && par !== false && par !== 'auto') throw new ConfigError('backend.par', "must be true, false or 'auto'");
  if (fapi && par !== true) throw new ConfigError('backend.par', 'must be true under FAPI 2.0 (pushed authorization requests are required)');
  const dpop = o.dpop ?? fapi;
  if (typeof dpop !== 'boolean') throw new ConfigError('backend.dpop', 'must be a boolean');
  if (fapi && !dpop) throw new ConfigError('backend.dpop', 'must be true under FAPI 2.0 (sender-constrained access tokens are required)');
  if (fapi && o.idTokenSigningAlg !== undefined && !FAPI_ALGS.includes(o.idTokenSigningAlg)) {
    throw new ConfigError('backend.idTokenSigningAlg', `must be one of ${FAPI_ALGS.join(', ')} under FAPI 2.0`);
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
    clientSecret,
    clientAuth,
    clientKeys,
    par,
    dpop,
    fapi,
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

function resolveClientAuth(o: OidcBackendOptions, fapi: boolean): Pick<ResolvedOidcOptions, 'clientAuth' | 'clientSecret' | 'clientKeys'> {
  const clientAuth = o.clientAuth ?? (fapi || (o.clientKeys !== undefined && o.clientSecret === undefined) ? 'private_key_jwt' : OIDC_DEFAULTS.clientAuth);
  if (clientAuth !== 'client_secret_basic' && clientAuth !== 'client_secret_post' && clientAuth !== 'private_key_jwt') {
    throw new ConfigError('backend.clientAuth', "must be 'client_secret_basic', 'client_secret_post' or 'private_key_jwt'");
  }
  if (fapi && o.clientSecret !== undefined) throw new ConfigError('backend.clientSecret', 'must not be set under FAPI 2.0 (client secrets are not allowed; use clientKeys)');
  if (clientAuth === 'private_key_jwt') {
    // Why refuse a secret here: a configured but unused secret is a credential lying around for nothing,
    // and under FAPI 2.0 a shared secret is exactly what the profile forbids.
    if (o.clientSecret !== undefined) throw new ConfigError('backend.clientSecret', 'must not be set with private_key_jwt (the client authenticates with clientKeys)');
    const clientKeys = resolveClientKeys('backend.clientKeys', o.clientKeys);
    if (fapi && clientKeys.some((k) => !FAPI_ALGS.includes(k.alg))) throw new ConfigError('backend.clientKeys', `must sign with ${FAPI_ALGS.join(', ')} under FAPI 2.0 (not RS256)`);
    return { clientAuth, clientSecret: undefined, clientKeys };
  }
  if (fapi) throw new ConfigError('backend.clientAuth', 'must be private_key_jwt under FAPI 2.0 (client secrets are not allowed)');
  if (typeof o.clientSecret !== 'string' || o.clientSecret === '') throw new ConfigError('backend.clientSecret', 'is required');
  if (o.clientKeys !== undefined) throw new ConfigError('backend.clientKeys', `is only used with clientAuth 'private_key_jwt'`);
  return { clientAuth, clientSecret: o.clientSecret, clientKeys: [] };
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
