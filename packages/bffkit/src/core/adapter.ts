import type { SessionUser, TokenSet } from './types';

/**
 * The outcome of a backend call. Expected failures are values:
 * - `rejected`: the backend said no (bad credentials, invalid_grant). Permanent.
 * - `unavailable`: unreachable, 5xx or unreadable answer. Transient.
 * - `timeout`: no answer in time. Transient.
 */
export type BackendResult<T> =
  | { ok: true; value: T }
  | { ok: false; reason: 'rejected' | 'unavailable' | 'timeout' };

/** Credentials as posted to the login route (by default `{ email, password }`). */
export type LoginCredentials = Record<string, unknown>;

/**
 * How bffkit talks to a backend. The credentials adapter implements it for REST login APIs;
 * an OpenID Connect adapter implements the same interface with a redirect-based login.
 */
export interface BackendAdapter {
  /** A short name for logs, e.g. 'credentials'. */
  readonly kind: string;
  /** Exchanges credentials for tokens. Absent on redirect-based adapters. */
  login?(credentials: LoginCredentials): Promise<BackendResult<TokenSet>>;
  /** Exchanges a refresh token for new tokens (rotated or not). */
  refresh(refreshToken: string): Promise<BackendResult<TokenSet>>;
  /** Revokes the session's tokens at the backend, best effort. */
  revoke?(tokens: TokenSet): Promise<void>;
  /** The display user for fresh tokens. */
  user(tokens: TokenSet): Promise<BackendResult<SessionUser>>;
  /** Origin and base path of the backend's API, for the server-side `backendFetch`. */
  readonly apiUrl?: URL;
  /**
   * True when `user()` asks the backend with the token (so a forged token fails there). Token handoff
   * in `'userinfo'` mode is refused unless this holds.
   */
  readonly userVerifiesToken?: boolean;
}
