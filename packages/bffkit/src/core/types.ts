/**
 * Shared data shapes. Tokens only ever appear in {@link TokenSet} and {@link SessionData},
 * which never leave the server; {@link ClientSession} is the only shape sent to the browser.
 */

/** The display user: what the UI may know about who is signed in. Never contains a token. */
export interface SessionUser {
  id: string;
  email?: string;
  name?: string;
  [claim: string]: unknown;
}

/** What the browser (and Server Components) see of a session. */
export type ClientSession =
  | {
      status: 'authenticated';
      user: SessionUser;
      /** Epoch milliseconds. */
      expiresAt: number;
      /** How and when the user signed in, when known (no secret: levels and a time). */
      auth?: AuthLevel;
      /**
       * Epoch milliseconds (server clock) from which the browser should renew the access token with
       * `POST {basePath}/session`. Only without a shared refresh coordinator, where the browser's
       * renewal, one request at a time across tabs, is what keeps instances from refreshing the same
       * token twice (docs/multi-instance.md). `SessionProvider` does it.
       */
      refreshAt?: number;
    }
  | { status: 'unauthenticated' };

/**
 * How and when the user authenticated, recorded at sign-in from a verified source only (the
 * OpenID provider's signed ID token; the login route itself for credentials). Never read from an
 * access token, userinfo, or anything the browser sent.
 */
export interface AuthLevel {
  /** Authentication context class reference (`acr`), e.g. `urn:bffkit:acr:mfa`. */
  acr?: string;
  /** Authentication methods (`amr`, RFC 8176), e.g. `['pwd', 'otp']`. */
  amr?: string[];
  /** When the user authenticated (epoch seconds, `auth_time`). */
  authTime?: number;
}

/**
 * A DPoP key pair (RFC 9449): ES256, the P-256 coordinates and private scalar as base64url. Created
 * per session at sign-in and kept only with the session (sealed cookie or store): never sent to the
 * browser in readable form, never logged.
 */
export interface DpopKeyPair {
  alg: 'ES256';
  x: string;
  y: string;
  d: string;
}

/** An access token obtained for one upstream (a resource, an exchange, client credentials). */
export interface UpstreamToken {
  accessToken: string;
  /** Epoch seconds. */
  expiresAt: number;
  /** Epoch seconds. */
  issuedAt: number;
  /** `DPoP` when the token is bound to the session's DPoP key; absent for Bearer. */
  tokenType?: 'DPoP';
}

/** Tokens obtained from the backend. Times in epoch seconds. */
export interface TokenSet {
  accessToken: string;
  refreshToken?: string;
  /** When the access token expires (epoch seconds). */
  expiresAt: number;
  /** When the access token was obtained (epoch seconds); used to cap the refresh skew. */
  issuedAt: number;
  idToken?: string;
  /** `DPoP` when the access token is bound to the session's DPoP key (RFC 9449); absent for Bearer. */
  tokenType?: 'DPoP';
}

/** The whole server-side session. Lives sealed in the cookie, or in a server-side store. */
export interface SessionData {
  /** Random session id (128 bits, base64url). Used for revocation and store keys, never a secret. */
  id: string;
  user: SessionUser;
  tokens: TokenSet;
  /** Epoch seconds when the user signed in: the absolute timeout counts from here. */
  createdAt: number;
  /** Epoch seconds of the last rolling renewal: the idle timeout counts from here. */
  lastActiveAt: number;
  /** The session's DPoP key pair, when its tokens are bound to one. Server side only. */
  dpopKey?: DpopKeyPair;
  /** How and when the user authenticated (verified sources only, see {@link AuthLevel}). */
  auth?: AuthLevel;
  /**
   * Tokens for upstreams whose token policy is not the session's own token (a resource indicator, a
   * token exchange), by the policy's cache key. Each is sent to its own upstreams only.
   */
  upstreamTokens?: Record<string, UpstreamToken>;
}
