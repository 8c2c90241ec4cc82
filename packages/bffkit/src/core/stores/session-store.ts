import type { SessionData } from '../types';

/**
 * A server-side session store. With a store, the cookie carries only a sealed random session id;
 * tokens and session data live here, so sessions can be revoked and never grow the cookie.
 * Implementations throw `BffError('store_unavailable', …)` when the store cannot be reached.
 */
export interface SessionStore {
  /** A short name for logs, e.g. 'memory' or 'redis'. */
  readonly kind: string;
  /**
   * A fresh random session id for a user's new session, when the store needs ids of its own shape
   * (the Redis store embeds the user's Cluster slot tag, so a session and its user index share a
   * slot). Without it, bffkit makes a 128-bit random id.
   */
  newId?(userId: string): string;
  /** The session with this id, or null when it does not exist (ended, expired). */
  get(id: string): Promise<SessionData | null>;
  /**
   * Stores the session; it expires after `ttlSeconds`. With `'update'`, only an existing session is
   * replaced and the answer is false when it no longer exists (so a refresh that finishes after a
   * logout cannot bring the session back).
   */
  set(session: SessionData, ttlSeconds: number, mode: 'create' | 'update'): Promise<boolean>;
  /** Deletes the session (logout). Deleting a missing session is not an error. */
  delete(id: string): Promise<void>;
  /** Every live session of a user (for "active sessions" screens). */
  listByUser(userId: string): Promise<SessionData[]>;
  /** Deletes every session of a user ("sign out everywhere"); answers how many ended. */
  deleteByUser(userId: string): Promise<number>;
}
