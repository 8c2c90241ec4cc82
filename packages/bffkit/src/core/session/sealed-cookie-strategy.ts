import type { ResolvedConfig } from '../config';
import { deriveKeyRing } from '../crypto/keys';
import { seal, unseal } from '../crypto/seal';
import type { SessionData } from '../types';
import { decodeSession, encodeSession } from './codec';
import { EndedSessions } from './ended-sessions';
import { SealedCache } from './sealed-cache';
import { newSessionId } from './session-id';
import type { SessionStrategy } from './strategy';

/**
 * Stateless mode: the cookie value is the whole session, sealed (AES-256-GCM under the 'session'
 * purpose key, docs/security.md 3). Nothing is kept on the server but the memory of sessions this
 * process ended (see {@link EndedSessions}).
 *
 * @example
 * const sessions = sealedCookieStrategy(config);
 */
export function sealedCookieStrategy(config: ResolvedConfig): SessionStrategy {
  const ring = deriveKeyRing(config.secrets, 'session');
  const cache = new SealedCache<SessionData>();
  const ended = new EndedSessions(config.logger);
  return {
    revocable: false,
    async open(value, now) {
      let session = cache.get(value);
      if (session === undefined) {
        const decoded = decodeSession(unseal(ring, value));
        if (!decoded) return 'rejected';
        cache.set(value, (session = decoded));
      }
      return ended.has(session.id, now) ? null : session;
    },
    newId: () => newSessionId(),
    async keep(session, _ttl, mode, now) {
      if (mode === 'update' && ended.has(session.id, now)) return null;
      const value = seal(ring, encodeSession(session));
      cache.set(value, session);
      return value;
    },
    async end(session, now) {
      ended.add(session.id, session.createdAt + config.absoluteTimeout, now);
    },
    sessionsOf: async () => [],
    find: async () => null,
    endAllOf: async () => 0,
  };
}
