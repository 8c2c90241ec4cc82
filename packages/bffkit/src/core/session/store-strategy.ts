import type { ResolvedConfig } from '../config';
import { deriveKeyRing } from '../crypto/keys';
import { seal, unseal } from '../crypto/seal';
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
        const opened = decodeId(unseal(ring, value));
        if (opened === null) return 'rejected';
        cache.set(value, (id = opened));
      }
      return store.get(id);
    },
    newId: (userId) => store.newId?.(userId) ?? newSessionId(),
    async keep(session, ttl, mode) {
      if (!(await store.set(session, ttl, mode))) return null;
      const value = seal(ring, encodeId(session.id));
      cache.set(value, session.id);
      return value;
    },
    end: (session) => store.delete(session.id),
    sessionsOf: (userId) => store.listByUser(userId),
    find: (id) => store.get(id),
    endAllOf: (userId) => store.deleteByUser(userId),
  };
}

/** Format byte of an id cookie: the id's UTF-8 bytes follow (13 bytes less than the first release's JSON). */
const ID_FORMAT = 0x01;
/** The first release sealed `{"v":1,"i":"<id>"}`; its first byte is '{'. Still read (an upgrade signs nobody out). */
const LEGACY_JSON = 0x7b;
const ID_CHARS = /^[A-Za-z0-9._-]{1,128}$/;

function encodeId(id: string): Uint8Array {
  const bytes = Buffer.from(id, 'utf8');
  const out = new Uint8Array(bytes.length + 1);
  out[0] = ID_FORMAT;
  out.set(bytes, 1);
  return out;
}

function decodeId(bytes: Uint8Array | null): string | null {
  if (!bytes || bytes.length < 2) return null;
  let id: unknown;
  if (bytes[0] === ID_FORMAT) id = Buffer.from(bytes.subarray(1)).toString('utf8');
  else if (bytes[0] === LEGACY_JSON) {
    try {
      id = (JSON.parse(Buffer.from(bytes).toString('utf8')) as { i?: unknown }).i;
    } catch {
      return null;
    }
  }
  return typeof id === 'string' && ID_CHARS.test(id) ? id : null;
}
