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
  | { status: 'authenticated'; user: SessionUser; /** Epoch milliseconds. */ expiresAt: number }
  | { status: 'unauthenticated' };

/** Tokens obtained from the backend. Times in epoch seconds. */
export interface TokenSet {
  accessToken: string;
  refreshToken?: string;
  /** When the access token expires (epoch seconds). */
  expiresAt: number;
  /** When the access token was obtained (epoch seconds); used to cap the refresh skew. */
  issuedAt: number;
  idToken?: string;
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
}
