import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ConfigError } from '../core/errors';
import { deriveKeyRing, type KeyRing } from '../core/crypto/keys';
import { seal, unseal } from '../core/crypto/seal';
import { decodeSession, encodeSession, fromWire, toWire } from '../core/session/codec';
import type { SessionStore } from '../core/stores/session-store';
import type { SessionData } from '../core/types';
import { redisCaller, storeUnavailable, type RedisCallOptions } from './call';

/** Options of {@link redisSessionStore}. */
export interface RedisSessionStoreOptions extends RedisCallOptions {
  /**
   * The app's secret(s), the same value given to `createBff`. Sessions are encrypted and
   * authenticated at rest with a key derived from it (purpose 'session-store'), so a Redis dump
   * or a replica reveals no token and nobody who can write to Redis can forge a session.
   * Required unless `encrypt` is false.
   */
  secret?: string | readonly string[];
  /** Encrypt sessions at rest. Set to false only to inspect sessions by hand in development. @default true */
  encrypt?: boolean;
}

/** Most sessions one user index lists (the newest first). */
const MAX_LISTED = 1_000;
const ID = /^[A-Za-z0-9_-]{16,128}$/;

// KEYS[1] session, KEYS[2] user index; ARGV: value, ttl ms, mode, id. One round trip, atomic:
// 'update' is SET XX (a refresh finishing after logout cannot resurrect the session), 'create' is
// SET NX (a new session never overwrites another). The index is a ZSET scored by expiry (Redis
// clock), trimmed of expired ids here and kept alive as long as its longest-lived session.
const SET_SCRIPT = `
local ttl = tonumber(ARGV[2])
local flag = 'NX'
if ARGV[3] == 'update' then flag = 'XX' end
if not redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl, flag) then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[2], now + ttl, ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if redis.call('PTTL', KEYS[2]) < ttl then redis.call('PEXPIRE', KEYS[2], ttl) end
return 1`;

/**
 * A Redis session store: the cookie holds only a sealed random session id; tokens and session data
 * live in Redis under `<prefix>sess:<id>` with a TTL equal to the session's remaining lifetime (idle
 * bound, never past the absolute timeout). `<prefix>user:<sha256(user id)>` indexes a user's
 * sessions for "active sessions" screens and "sign out everywhere". Redis errors and timeouts throw
 * `BffError('store_unavailable')`, which requests answer with 503 JSON.
 *
 * @example
 * const redis = new Redis(process.env.REDIS_URL!, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
 * createBff({ ..., session: { store: redisSessionStore(redis, { secret: process.env.BFF_SECRET! }) } });
 */
export function redisSessionStore(redis: Redis, options: RedisSessionStoreOptions = {}): SessionStore {
  const caller = redisCaller(redis, options, 'redisSessionStore(redis)');
  const ring = keyRing(options);
  const sessionKey = (id: string) => `${caller.prefix}sess:${id}`;
  const userKey = (userId: string) => `${caller.prefix}user:${createHash('sha256').update(userId).digest('base64url')}`;

  const encode = (s: SessionData): string => (ring ? seal(ring, encodeSession(s)) : JSON.stringify(toWire(s)));
  // Never throws: a value we cannot open (other secret, tampered, hand-written) is "no session".
  const decode = (raw: string | null, id: string): SessionData | null => {
    if (raw === null) return null;
    const s = ring ? decodeSession(unseal(ring, raw)) : plain(raw);
    // Why compare ids: a value copied under another session's key must not open as that session.
    return s && s.id === id ? s : null;
  };

  return {
    kind: 'redis',
    async get(id) {
      if (!ID.test(id)) return null;
      return decode(await caller.run((r) => r.get(sessionKey(id))), id);
    },
    async set(session, ttlSeconds, mode) {
      if (!ID.test(session.id)) throw new TypeError('bffkit: session ids are 16-128 base64url characters');
      const ttl = Math.ceil(ttlSeconds * 1000);
      if (!(ttl > 0)) {
        await caller.run((r) => r.del(sessionKey(session.id)));
        return false;
      }
      const value = encode(session);
      const done = await caller.run((r) =>
        r.eval(SET_SCRIPT, 2, sessionKey(session.id), userKey(session.user.id), value, String(ttl), mode, session.id),
      );
      return done === 1;
    },
    async delete(id) {
      if (!ID.test(id)) return;
      // The user index entry goes lazily (listByUser drops ids whose session is gone).
      await caller.run((r) => r.del(sessionKey(id)));
    },
    async listByUser(userId) {
      const index = userKey(userId);
      const ids = await caller.run((r) => r.zrevrange(index, 0, MAX_LISTED - 1));
      if (ids.length === 0) return [];
      const values = await caller.run((r) => r.mget(ids.map(sessionKey)));
      const sessions: SessionData[] = [];
      const gone: string[] = [];
      ids.forEach((id, i) => {
        const s = decode(values[i] ?? null, id);
        if (s && s.user.id === userId) sessions.push(s);
        else if (values[i] === null) gone.push(id);
      });
      if (gone.length) await caller.run((r) => r.zrem(index, ...gone)).catch(() => undefined);
      return sessions;
    },
    async deleteByUser(userId) {
      const index = userKey(userId);
      const ids = await caller.run((r) => r.zrange(index, 0, '-1'));
      if (ids.length === 0) return 0;
      // One MULTI: the sessions and their index entries go together. A refresh racing this fails its
      // SET XX and ends instead of bringing a session back.
      const replies = await caller.run((r) => r.multi().del(...ids.map(sessionKey)).zrem(index, ...ids).exec());
      if (!replies || replies.some(([error]) => error)) throw storeUnavailable();
      return Number(replies[0]?.[1] ?? 0);
    },
  };
}

function keyRing(options: RedisSessionStoreOptions): KeyRing | null {
  if (options.encrypt === false) return null;
  if (options.secret === undefined) {
    throw new ConfigError(
      'secret',
      'is required by redisSessionStore to encrypt sessions at rest: pass the same secret as createBff (or encrypt: false)',
    );
  }
  return deriveKeyRing(typeof options.secret === 'string' ? [options.secret] : options.secret, 'session-store');
}

function plain(raw: string): SessionData | null {
  try {
    return fromWire(JSON.parse(raw));
  } catch {
    return null;
  }
}
