import type { ResolvedConfig } from '../config';
import { deriveKeyRing } from '../crypto/keys';
import { sealJson, unsealJson } from '../crypto/seal';
import type { SessionStore } from '../stores/session-store';
import type { SessionData } from '../types';
import { SealedCache } from './sealed-cache';
import { newSessionId } from './session-id';
import type { SessionStrategy } from './strategy';

/**
 * Server-side mode: the cookie value is only the session id, sealed under its own purpose key
 * ('session-id', so a stateless session cookie can never pass for one), and the session lives in
 * `store`. Ending a session deletes it, so every copy of the cookie is dead at once.
 *
 * @example
 * const sessions = storeStrategy(config, memorySessionStore());
 */
export function storeStrategy(config: ResolvedConfig, store: SessionStore): SessionStrategy {
  const ring = deriveKeyRing(config.secrets, 'session-id');
  const cache = new SealedCache<string>();
  return {
    revocable: true,
    async open(value) {
      let id = cache.get(value);
      if (id === undefined) {
        const raw = unsealJson<unknown>(ring, value);
        const opened = raw && typeof raw === 'object' ? (raw as { i?: unknown }).i : undefined;
        if (typeof opened !== 'string') return 'rejected';
        cache.set(value, (id = opened));
      }
      return store.get(id);
    },
    newId: (userId) => store.newId?.(userId) ?? newSessionId(),
    async keep(session, ttl, mode) {
      if (!(await store.set(session, ttl, mode))) return null;
      const value = sealJson(ring, { v: 1, i: session.id });
      cache.set(value, session.id);
      return value;
    },
    end: (session) => store.delete(session.id),
    sessionsOf: (userId) => store.listByUser(userId),
    find: (id) => store.get(id),
    endAllOf: (userId) => store.deleteByUser(userId),
  };
}
