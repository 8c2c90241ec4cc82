import type { BackendAdapter, BackendResult, LoginCredentials } from './adapter';
import { ConfigError } from '../errors';
import { configuredUrl } from '../http/url';
import { systemClock, type Clock } from '../time';
import type { SessionUser, TokenSet } from '../types';
import { unverifiedClaims } from './jwt-claims';
import { toTokenSet, type TokenAnswer } from './token-set';

/** Names of the token fields in the backend's login and refresh answers. */
export interface TokenFieldMapping {
  /** @default 'access_token' */
  accessToken: string;
  /** @default 'refresh_token' */
  refreshToken: string;
  /** Seconds until the access token expires; when absent, the JWT `exp` is used. @default 'expires_in' */
  expiresIn?: string;
  /** Field name of the refresh token in the refresh and logout request bodies. @default 'refresh_token' */
  refreshRequestField: string;
}

/** Ready-made mappings for common backend shapes. */
export const TOKEN_FIELDS = {
  /** OAuth 2 style: `{ access_token, refresh_token, expires_in }` (also FastAPI, Laravel Passport, many Express APIs). */
  oauth2: { accessToken: 'access_token', refreshToken: 'refresh_token', expiresIn: 'expires_in', refreshRequestField: 'refresh_token' },
  /** Django REST framework SimpleJWT: `{ access, refresh }`; expiry from the JWT `exp`. */
  simplejwt: { accessToken: 'access', refreshToken: 'refresh', refreshRequestField: 'refresh' },
} as const satisfies Record<string, TokenFieldMapping>;

/** Options of {@link credentialsBackend}. */
export interface CredentialsBackendOptions {
  /** The backend's base URL, e.g. `https://api.example.com` (a base path is kept). */
  url: string;
  paths?: {
    /** @default '/auth/login' */ login?: string;
    /** @default '/auth/refresh' */ refresh?: string;
    /** Revocation endpoint, or `false` when the backend has none. @default '/auth/logout' */ logout?: string | false;
    /** Endpoint answering the current user for a Bearer token, or `false` to use the JWT claims. @default '/auth/me' */
    user?: string | false;
  };
  /** Token field names: a preset name or a mapping. @default 'oauth2' */
  fields?: keyof typeof TOKEN_FIELDS | TokenFieldMapping;
  /** Which credential fields are sent to the login endpoint. @default ['email', 'password'] */
  credentialFields?: readonly string[];
  /** Maps the user endpoint's JSON (or the JWT claims) to the display user. @default id/sub, email, name */
  mapUser?: (raw: Record<string, unknown>) => SessionUser;
  /** Seconds to wait for the backend. @default 10 */
  timeout?: number;
  /** @internal clock for tests */
  clock?: Clock;
}

const DEFAULT_PATHS = { login: '/auth/login', refresh: '/auth/refresh', logout: '/auth/logout', user: '/auth/me' } as const;

/**
 * A backend adapter for REST APIs that log in with credentials and answer tokens.
 *
 * @example
 * const backend = credentialsBackend({ url: 'http://127.0.0.1:4000', fields: 'oauth2' });
 */
export function credentialsBackend(options: CredentialsBackendOptions): BackendAdapter {
  const base = configuredUrl('backend.url', options?.url);
  const fields: TokenFieldMapping = typeof options.fields === 'object' ? options.fields : TOKEN_FIELDS[options.fields ?? 'oauth2'];
  if (!fields) throw new ConfigError('backend.fields', `must be one of ${Object.keys(TOKEN_FIELDS).join(', ')} or a mapping`);
  const paths = { ...DEFAULT_PATHS, ...options.paths };
  const credentialFields = options.credentialFields ?? ['email', 'password'];
  const mapUser = options.mapUser ?? defaultMapUser;
  const timeoutMs = (options.timeout ?? 10) * 1000;
  const clock = options.clock ?? systemClock;
  const endpoint = (p: string) => new URL(base.pathname.replace(/\/$/, '') + p, base.origin);

  async function call(p: string, init: RequestInit): Promise<BackendResult<Response>> {
    try {
      const res = await fetch(endpoint(p), { ...init, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
      if (res.status >= 500 || (res.status >= 300 && res.status < 400)) {
        await res.body?.cancel();
        return { ok: false, reason: 'unavailable' };
      }
      return { ok: true, value: res };
    } catch (error) {
      return { ok: false, reason: (error as Error)?.name === 'TimeoutError' ? 'timeout' : 'unavailable' };
    }
  }

  async function tokenCall(p: string, body: Record<string, unknown>, previous?: Pick<TokenSet, 'refreshToken'>): Promise<BackendResult<TokenSet>> {
    const r = await call(p, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(body) });
    if (!r.ok) return r;
    if (!r.value.ok) {
      await r.value.body?.cancel();
      return { ok: false, reason: 'rejected' };
    }
    const data = await readJson(r.value);
    if (data === 'timeout') return { ok: false, reason: 'timeout' };
    const tokens = data && toTokenSet(tokenAnswer(data, fields), clock(), previous);
    return tokens ? { ok: true, value: tokens } : { ok: false, reason: 'unavailable' };
  }

  return {
    kind: 'credentials',
    // Reading claims (paths.user === false) trusts the token; calling the user endpoint does not.
    userVerifiesToken: paths.user !== false,
    login(credentials: LoginCredentials) {
      const body: Record<string, unknown> = {};
      for (const f of credentialFields) body[f] = credentials[f];
      return tokenCall(paths.login, body);
    },
    refresh(refreshToken: string) {
      // A backend that does not rotate answers no refresh token: keep using the current one.
      return tokenCall(paths.refresh, { [fields.refreshRequestField]: refreshToken }, { refreshToken });
    },
    async revoke(tokens: TokenSet) {
      if (!paths.logout || !tokens.refreshToken) return;
      const r = await call(paths.logout, {
        method: 'POST',
        headers: { ...JSON_HEADERS, authorization: `Bearer ${tokens.accessToken}` },
        body: JSON.stringify({ [fields.refreshRequestField]: tokens.refreshToken }),
      });
      if (r.ok) await r.value.body?.cancel();
    },
    async user(tokens: TokenSet) {
      if (paths.user === false) {
        const claims = unverifiedClaims(tokens.accessToken);
        return claims ? safeMap(mapUser, claims) : { ok: false, reason: 'rejected' };
      }
      const r = await call(paths.user, { headers: { accept: 'application/json', authorization: `Bearer ${tokens.accessToken}` } });
      if (!r.ok) return r;
      if (!r.value.ok) {
        await r.value.body?.cancel();
        return { ok: false, reason: r.value.status === 401 || r.value.status === 403 ? 'rejected' : 'unavailable' };
      }
      const data = await readJson(r.value);
      if (data === 'timeout') return { ok: false, reason: 'timeout' };
      return data ? safeMap(mapUser, data) : { ok: false, reason: 'unavailable' };
    },
  };
}

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };

/** The token fields of an answer, by the configured names. */
function tokenAnswer(data: Record<string, unknown>, fields: TokenFieldMapping): TokenAnswer {
  return { accessToken: data[fields.accessToken], refreshToken: data[fields.refreshToken], expiresIn: fields.expiresIn ? data[fields.expiresIn] : undefined };
}

function defaultMapUser(raw: Record<string, unknown>): SessionUser {
  const id = raw.id ?? raw.sub ?? raw.user_id;
  if (typeof id !== 'string' && typeof id !== 'number') throw new TypeError('user has no id');
  const user: SessionUser = { id: String(id) };
  if (typeof raw.email === 'string') user.email = raw.email;
  const name = raw.name ?? raw.username;
  if (typeof name === 'string') user.name = name;
  return user;
}

function safeMap(map: (raw: Record<string, unknown>) => SessionUser, raw: Record<string, unknown>): BackendResult<SessionUser> {
  try {
    return { ok: true, value: map(raw) };
  } catch {
    return { ok: false, reason: 'unavailable' };
  }
}

/** The JSON object in a body; null when it is not one; 'timeout' when the body stalled past the deadline. */
async function readJson(res: Response): Promise<Record<string, unknown> | null | 'timeout'> {
  try {
    const data: unknown = await res.json();
    return data && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : null;
  } catch (error) {
    // The timeout signal also covers the body: headers on time but a stalled body is still a timeout.
    return (error as Error)?.name === 'TimeoutError' ? 'timeout' : null;
  }
}
