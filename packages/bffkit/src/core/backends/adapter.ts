import type { AuthLevel, DpopKeyPair, SessionUser, TokenSet, UpstreamToken } from '../types';
import type { BackendDiagnostic } from './diagnostics';
import type { FailureReason } from './failure';

/**
 * The outcome of a backend call. Expected failures are values:
 * - `rejected`: the backend said no (bad credentials, invalid_grant). Permanent.
 * - `unavailable`: unreachable, 5xx or unreadable answer. Transient.
 * - `timeout`: no answer in time. Transient.
 *
 * A failure may carry a `diagnostic`: what went wrong and how to fix it, for the server log (one
 * line per spell) and `bffkit check-backend`. It never holds a token, password or cookie, and never
 * reaches the browser (`backendFailure` attaches it non-enumerable, so it is not serialised).
 * `problem` is a sentence for the operator's log when the cause is a misconfiguration (never a secret).
 */
export type BackendResult<T> = { ok: true; value: T } | { ok: false; reason: FailureReason; diagnostic?: BackendDiagnostic; problem?: string };

/** Options of a refresh: for another resource (RFC 8707), proved with the session's DPoP key. */
export interface RefreshOptions {
  /** Ask for a token for this resource indicator (the answer's access token is for it, not the session's). */
  resource?: string;
  /** Narrower scope for that token. */
  scope?: string;
  /** The session's DPoP key: the request carries a proof and the new access token is bound to it. */
  dpopKey?: DpopKeyPair;
}

/** A token exchange (RFC 8693) for another audience. */
export interface TokenExchangeRequest {
  subjectToken: string;
  /** Full token type URI, e.g. `urn:ietf:params:oauth:token-type:access_token`. */
  subjectTokenType: string;
  audience?: string;
  resource?: string;
  scope?: string;
  requestedTokenType?: string;
  dpopKey?: DpopKeyPair;
}

/** A client-credentials grant (machine token, no user). */
export interface ClientCredentialsRequest {
  scope?: string;
  resource?: string;
  audience?: string;
  dpopKey?: DpopKeyPair;
}

/** Credentials as posted to the login route (by default `{ email, password }`). */
export type LoginCredentials = Record<string, unknown>;

/** What the login route knows about the request besides the credentials. */
export interface LoginContext {
  /** The client's address when bffkit knows it (only with `trustProxy`), e.g. for a backend's own per-IP limit. */
  clientIp?: string;
}

/**
 * The browser fields the login route requires before it calls `login()`, and the one among them
 * that names the account: the login rate limit counts per value of that field (normalised), so it
 * must be the value the backend checks.
 */
export interface LoginForm {
  /** Browser field names that must be non-empty strings, e.g. `['email', 'password']`. */
  fields: readonly string[];
  /** The browser field holding the account identity, e.g. `'email'`. One of `fields`. */
  identity: string;
}

/** What a logout did at the backend: `revoked`, or `not-needed` (nothing live to revoke: no endpoint, no token, all expired). */
export type RevokeOutcome = 'revoked' | 'not-needed';

/**
 * How bffkit talks to a backend. The credentials adapter implements it for REST login APIs;
 * an OpenID Connect adapter implements the same interface with a redirect-based login.
 */
export interface BackendAdapter {
  /** A short name for logs, e.g. 'credentials'. */
  readonly kind: string;
  /** Exchanges credentials for tokens. Absent on redirect-based adapters. */
  login?(credentials: LoginCredentials, context?: LoginContext): Promise<BackendResult<TokenSet>>;
  /** Which browser fields `login()` needs. @default { fields: ['email', 'password'], identity: 'email' } */
  readonly loginForm?: LoginForm;
  /**
   * Exchanges a refresh token for new tokens (rotated or not). With `options.resource`, the answer's
   * access token is for that resource (RFC 8707) and its refresh token (when rotated) is the session's
   * new one.
   */
  refresh(refreshToken: string, options?: RefreshOptions): Promise<BackendResult<TokenSet>>;
  /**
   * Revokes the session's tokens at the backend. Never throws for a backend failure: answers what
   * happened (a failure is logged and reported in the logout result). `void` means "not reported".
   */
  revoke?(tokens: TokenSet): Promise<BackendResult<RevokeOutcome> | void>;
  /** The display user for fresh tokens (`dpopKey` proves a bound token at the userinfo endpoint). */
  user(tokens: TokenSet, options?: { dpopKey?: DpopKeyPair }): Promise<BackendResult<SessionUser>>;
  /** Token exchange (RFC 8693): a token for another audience, from one the session holds. */
  exchangeToken?(request: TokenExchangeRequest): Promise<BackendResult<UpstreamToken>>;
  /** Client credentials: a machine token, no user. */
  clientCredentials?(request: ClientCredentialsRequest): Promise<BackendResult<UpstreamToken>>;
  /**
   * Checks the configuration against what the backend advertises (OpenID discovery): throws a
   * ConfigError with a clear message when they do not fit (e.g. PAR required but not offered), a
   * BffError when the backend cannot be reached. Call it at start-up.
   */
  verify?(): Promise<void>;
  /** The client's public keys (private_key_jwt), served as a JWK Set at `{basePath}/oidc/jwks`; null when none. */
  clientJwks?(): { keys: object[] } | null;
  /** Whether sessions of this backend hold a DPoP key (their tokens are sender-constrained, RFC 9449). */
  readonly dpop?: boolean;
  /**
   * Statuses with which the backend's APIs refuse an access token that has expired or been revoked:
   * a forwarded call answered with one of them is retried once after a refresh. @default [401]
   */
  readonly rejectedStatuses?: readonly number[];
  /**
   * True when `user()` asks the backend with the token (so a forged token fails there). Token handoff
   * in `'userinfo'` mode is refused unless this holds.
   */
  readonly userVerifiesToken?: boolean;

  // Redirect-based sign-in (OpenID Connect). All optional: the credentials adapter has none of them,
  // and the routes that need them answer 404 when the configured adapter lacks them.

  /**
   * Starts a redirect-based login: where to send the browser and what the callback must find again.
   * `acrValues`/`maxAge` ask for a stronger or more recent sign-in (step-up, RFC 9470).
   */
  startLogin?(input: { redirectUri: string; acrValues?: readonly string[]; maxAge?: number }): Promise<BackendResult<LoginRedirect>>;
  /** Validates the provider's answer at the callback against the transaction and exchanges the code. */
  completeLogin?(input: { callbackUrl: URL; redirectUri: string; transaction: LoginTransaction }): Promise<LoginCompletion>;
  /** The provider's logout URL for a session that just ended locally (RP-initiated logout), or null. */
  endSessionUrl?(input: { tokens: TokenSet; appUrl: URL }): Promise<URL | null>;
  /** Validates a back-channel logout token and answers whom it signs out. */
  verifyLogoutToken?(token: string): Promise<BackendResult<LogoutTarget>>;
}

/** What a redirect-based login must remember until the callback (sealed into the transaction cookie). */
export interface LoginTransaction {
  /** The `state` sent to the provider; the callback must carry it back. */
  state: string;
  [field: string]: string;
}

/** Where to send the browser to sign in, and the transaction to keep for the callback. */
export interface LoginRedirect {
  url: URL;
  transaction: LoginTransaction;
}

/**
 * The outcome of a login callback. Expected failures are values:
 * - `invalid`: the answer failed validation (state, code, ID token): 400, no session.
 * - `denied`: the provider answered an error, e.g. the user cancelled (`access_denied`).
 * - `unavailable` / `timeout`: the provider could not be reached. Transient.
 */
export type LoginCompletion =
  | {
      ok: true;
      value: TokenSet;
      /** The DPoP key the tokens are bound to (kept with the new session). */
      dpopKey?: DpopKeyPair;
      /** How and when the user authenticated, from the validated ID token. */
      auth?: AuthLevel;
    }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'denied'; error: 'access_denied' | 'provider_error' }
  | { ok: false; reason: 'unavailable' | 'timeout'; problem?: string };

/** Whom a validated back-channel logout token signs out. */
export interface LogoutTarget {
  /** The provider's subject; at least one of `sub` and `sid` is present. */
  sub?: string;
  /** The provider's session id. */
  sid?: string;
  /** The token's unique id (replays are refused). */
  jti: string;
}
