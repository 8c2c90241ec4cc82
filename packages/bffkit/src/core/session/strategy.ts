import type { ResolvedConfig } from '../config';
import type { SessionData } from '../types';
import { sealedCookieStrategy } from './sealed-cookie-strategy';
import { storeStrategy } from './store-strategy';

/**
 * Where sessions live, as one object per mode, chosen once by {@link chooseSessionStrategy}:
 * - the sealed cookie (stateless, the default): the cookie value IS the sealed session;
 * - a server-side store: the cookie value is a sealed session id, the session lives in the store.
 * Everything above this interface is the same in both modes.
 */
export interface SessionStrategy {
  /**
   * Whether the server can end sessions it does not see in the current request (another device's,
   * all of a user's): true with a store, false for stateless cookies. Only the features that exist
   * solely with a store ask (admin `endUserSessions`, back-channel logout).
   */
  readonly revocable: boolean;
  /**
   * What a sealed cookie value stands for: the session, `null` when it has none any more (ended,
   * deleted from the store), or `'rejected'` when the value cannot be opened (tampered, foreign,
   * sealed with a retired secret). Throws `store_unavailable` when the store is down.
   */
  open(value: string, now: number): Promise<SessionData | null | 'rejected'>;
  /** A fresh session id for a new session of `userId` (random; in the store's own shape when it has one). */
  newId(userId: string): string;
  /**
   * Keeps `session` for `ttl` seconds and answers the cookie value that refers to it. With
   * `'update'`, answers null when the session has ended meanwhile (a logout won the race).
   */
  keep(session: SessionData, ttl: number, mode: 'create' | 'update', now: number): Promise<string | null>;
  /** Ends one session: deleted from the store, or remembered as ended until its absolute timeout. */
  end(session: SessionData, now: number): Promise<void>;
  /** The user's sessions the server keeps (none for stateless cookies). */
  sessionsOf(userId: string): Promise<SessionData[]>;
  /** A kept session by id (never one for stateless cookies). */
  find(id: string): Promise<SessionData | null>;
  /** Ends every kept session of a user; answers how many (0 for stateless cookies). */
  endAllOf(userId: string): Promise<number>;
}

/**
 * The one place that decides the session mode.
 *
 * @example
 * const sessions = chooseSessionStrategy(config);
 */
export function chooseSessionStrategy(config: ResolvedConfig): SessionStrategy {
  return config.store ? storeStrategy(config, config.store) : sealedCookieStrategy(config);
}
