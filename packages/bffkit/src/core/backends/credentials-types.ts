/**
 * The types of `credentialsBackend`'s options: one section per step (login, tokens, refresh,
 * logout, user) plus the few headers and schemes around them, and the v1 names still accepted.
 */
import type { Clock } from '../time';
import type { SessionUser } from '../types';
import type { ExpiryUnit } from './token-set';

/** The names of the ready-made presets (see {@link CREDENTIALS_PRESETS}). */
export type CredentialsPresetName = 'oauth2' | 'simplejwt' | 'betterAuth' | 'payload';

/**
 * How the access token's expiry is known: only from the JWT `exp` (`'jwt'`); from a field of the
 * answer in a declared unit; or a fixed lifetime in seconds from issue. A JWT `exp`, when the token has
 * one, always caps it; with nothing known, five minutes.
 */
export type ExpiryRule = 'jwt' | { path: string; unit: ExpiryUnit } | { lifetime: number };

/**
 * How a refresh is requested: the refresh token in the body (`body`), as the Authorization
 * credential (`bearer`), the current access token as the Authorization credential for backends
 * without refresh tokens (`access-token`), or not at all (`none`: a long-lived session token).
 */
export type RefreshRequestMode = 'body' | 'bearer' | 'access-token' | 'none';

/** What logout sends: the refresh token in the body, the access token as Authorization, both, or nothing. */
export type LogoutRequestMode = 'body' | 'bearer' | 'both' | 'none';

/** Where the tokens are in an answer: dotted field paths such as `data.access_token`. */
export interface TokenPaths {
  /** @default 'access_token' */
  access?: string;
  /** `false` when the backend issues none. @default 'refresh_token' */
  refresh?: string | false;
  /** @default { path: 'expires_in', unit: 'seconds' } */
  expiry?: ExpiryRule;
}

/** Every section of the options; a preset is one of these. */
export interface CredentialsSections {
  login?: {
    /** @default '/auth/login' */
    path?: string;
    /** Backend field ← browser field, e.g. `{ username: 'email', password: 'password' }`. Only these are sent. @default { email: 'email', password: 'password' } */
    fields?: Readonly<Record<string, string>>;
    /** The backend field naming the account: the login rate limit counts per (normalised) value of it. @default the first field not named like a password */
    identity?: string;
    /** @default 'json' */
    encoding?: 'json' | 'form';
  };
  /** Token paths in the login answer (and the refresh answer, unless `refresh.tokens` says otherwise). */
  tokens?: TokenPaths;
  refresh?: {
    /** @default 'body' */
    mode?: RefreshRequestMode;
    /** @default '/auth/refresh' */
    path?: string | false;
    /** Body field of the refresh token (mode `body`). @default 'refresh_token' */
    field?: string;
    /** Token paths in the refresh answer where they differ from `tokens`. */
    tokens?: TokenPaths;
    /** `true`: every answer must carry a new refresh token. @default undefined (a new one replaces the old, none keeps it) */
    rotates?: boolean;
  };
  logout?: {
    /** @default 'both' */
    mode?: LogoutRequestMode;
    /** `false` when the backend cannot revoke. @default '/auth/logout' */
    path?: string | false;
    /** Body field of the refresh token. @default refresh.field */
    field?: string;
    /** The backend refuses an expired access token on logout: refresh first (or skip when nothing live is left). @default false */
    requiresLiveToken?: boolean;
  };
  user?: {
    /** `endpoint` asks `path` with the token; `login` reads the login answer; `claims` reads the JWT claims. @default 'endpoint' */
    from?: 'endpoint' | 'login' | 'claims';
    /** The user endpoint (also the fallback of `login` for tokens handed over). @default '/auth/me' */
    path?: string | false;
    /**
     * Path of the user object in the answer (the login answer with `from: 'login'`, else the endpoint's,
     * and the endpoint's when `login` falls back to it); `''` for the whole answer. A `null` there reads
     * as "not signed in". @default '' ('user' with from: 'login')
     */
    field?: string;
    /** Maps the raw user to the display user. @default id/sub/user_id, email, name/username */
    map?: (raw: Record<string, unknown>) => SessionUser;
  };
  /** Authorization scheme of the adapter's own calls (user, logout, refresh). @default 'Bearer' */
  authScheme?: string;
  /** Statuses with which the backend's APIs refuse an expired or revoked token (forwarding retries once). @default [401] */
  rejectedStatuses?: readonly number[];
  /** Extra headers on every backend call (e.g. an API key). Not Authorization, Cookie, Host or Content-Length. @default {} */
  headers?: Readonly<Record<string, string>>;
  /** An Origin header on every call: `true` sends the backend url's own origin. @default false */
  origin?: boolean | string;
  /** Sends the client address (known only with `trustProxy`) under this header on login. @default false */
  clientIpHeader?: string | false;
}

/** Names of the token fields (v1 of the options; still accepted). */
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

/** v1 token-field presets (field names only; paths stay the defaults). */
export const TOKEN_FIELDS = {
  /** OAuth 2 style: `{ access_token, refresh_token, expires_in }`. */
  oauth2: { accessToken: 'access_token', refreshToken: 'refresh_token', expiresIn: 'expires_in', refreshRequestField: 'refresh_token' },
  /** SimpleJWT's names `{ access, refresh }` with the default paths; for Django prefer `preset: 'simplejwt'`. */
  simplejwt: { accessToken: 'access', refreshToken: 'refresh', refreshRequestField: 'refresh' },
} as const satisfies Record<string, TokenFieldMapping>;

/** Options of `credentialsBackend`: the backend url, a preset, and any section overriding the preset's. */
export interface CredentialsBackendOptions extends CredentialsSections {
  /** The backend's base URL, e.g. `https://api.example.com` (a base path is kept); `undefined` throws a ConfigError. */
  url: string | undefined;
  /** @default 'oauth2' */
  preset?: CredentialsPresetName;
  /** Seconds to wait for the backend (the body included). @default 10 */
  timeout?: number;
  /** @deprecated v1: use `login.path`, `refresh.path`, `logout.path`, `user.path` (`false` → `user.from: 'claims'`). */
  paths?: { login?: string; refresh?: string; logout?: string | false; user?: string | false };
  /** @deprecated v1: use `tokens` and `refresh.field`. */
  fields?: keyof typeof TOKEN_FIELDS | TokenFieldMapping;
  /** @deprecated v1: use `login.fields`. */
  credentialFields?: readonly string[];
  /** @deprecated v1: use `user.map`. */
  mapUser?: (raw: Record<string, unknown>) => SessionUser;
  /** @internal clock for tests */
  clock?: Clock;
  /** @internal the transport (`bffkit check-backend` records the exchanges through it) @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** Every field of T present. */
export type Req<T> = { [K in keyof T]-?: Exclude<T[K], undefined> };

/** Validated options, every default applied. */
export interface ResolvedCredentials {
  base: URL;
  preset: CredentialsPresetName;
  login: { path: string; fields: readonly (readonly [backend: string, browser: string])[]; identity: string; encoding: 'json' | 'form' };
  tokens: Req<TokenPaths>;
  refresh: { mode: RefreshRequestMode; path: string | false; field: string; tokens: Req<TokenPaths>; rotates: boolean | undefined };
  logout: { mode: LogoutRequestMode; path: string | false; field: string; requiresLiveToken: boolean };
  user: { from: 'endpoint' | 'login' | 'claims'; path: string | false; field: string; map: ((raw: Record<string, unknown>) => SessionUser) | undefined };
  authScheme: string;
  rejectedStatuses: readonly number[];
  headers: Record<string, string>;
  clientIpHeader: string | false;
  timeout: number;
  clock: Clock;
  fetch: typeof fetch;
}
