import { createHash, randomBytes } from 'node:crypto';
import type { ChainableCommander } from 'ioredis';
import { ConfigError } from '../core/errors';
import { consoleLogger } from '../core/logger';
import { deriveKeyRing, validateSecrets, type KeyRing } from '../core/crypto/keys';
import { seal, unseal } from '../core/crypto/seal';
import { decodeSession, encodeSession, fromWire, toWire } from '../core/session/codec';
import type { SessionStore } from '../core/stores/session-store';
import type { SessionData } from '../core/types';
import { DEFAULT_TIMEOUT, redisCaller, storeUnavailable, type RedisCallOptions, type RedisClient } from './call';

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
  /**
   * After every session write and delete, wait (Redis `WAIT`) until this many replicas have it,
   * for at most a quarter of `timeout`. With a replica and Sentinel, this closes most of the window in
   * which a failover loses a write the master had already acknowledged (a refresh whose rotated
   * token is lost signs the user out; a logout that is lost brings the session back). If fewer
   * replicas answer in time the write still counts (the master has it), one warning is logged, and
   * writes stop waiting for {@link REPLICA_BACKOFF_MS} before trying again: WAIT holds the client's
   * connection, so a missing replica must not slow every request down.
   * @default 0 (do not wait)
   */
  waitForReplicas?: number;
}

/** A Redis session store: the core's {@link SessionStore} plus ids that carry their user's slot. */
export interface RedisSessionStore extends SessionStore {
  /**
   * A fresh session id for a new session of `userId`: `<tag>.<22 random chars>`, where the 8-char
   * tag (from SHA-256 of the user id) names the Redis Cluster hash slot shared by the session and
   * its user's index. 128 random bits, like any session id. Use it for every new session: on a
   * Cluster, `set` refuses ids that do not carry their user's tag.
   */
  newId(userId: string): string;
}

/** How long writes stop waiting for replicas after a WAIT that fell short (milliseconds). */
export const REPLICA_BACKOFF_MS = 10_000;
/** Most sessions one user index lists (the newest first). */
const MAX_LISTED = 1_000;
/** Characters of the user tag (48 bits): enough to spread users evenly over 16384 slots. */
const TAG_CHARS = 8;
/** An id from `newId`: the user's tag, a dot, 16 random bytes. */
const PLACED_ID = /^([A-Za-z0-9_-]{8})\.[A-Za-z0-9_-]{22}$/;
/** Any id the store accepts: the placed form, or a plain one (16-128 base64url characters). */
const ID = /^(?:[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]{22}|[A-Za-z0-9_-]{16,128})$/;

// KEYS[1] session, KEYS[2] user index; ARGV: value, ttl ms, mode, id. One round trip, atomic:
// 'update' is SET XX (a refresh finishing after logout cannot resurrect the session), 'create' is
// SET NX (a new session never overwrites another). The index is a ZSET scored by expiry (Redis
// clock), trimmed of expired ids here and kept alive as long as its longest-lived session.
// On a Cluster both keys carry the user's hash tag, so the script stays in one slot.
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

// KEYS[1] user index, KEYS[2..] its sessions; ARGV the session ids. Deletes the sessions and their
// index entries atomically; answers how many sessions existed.
const DELETE_ALL_SCRIPT = `
local n = 0
for i = 2, #KEYS do n = n + redis.call('DEL', KEYS[i]) end
for i = 1, #ARGV do redis.call('ZREM', KEYS[1], ARGV[i]) end
return n`;

/**
 * A Redis session store: the cookie holds only a sealed random session id; tokens and session data
 * live in Redis with a TTL equal to the session's remaining lifetime (idle bound, never past the
 * absolute timeout), next to an index of the user's sessions for "active sessions" screens and
 * "sign out everywhere". Keys (prefix `bffkit:`), for a user whose tag is `T` (SHA-256 of the user
 * id, first 8 base64url chars) and `H` the whole hash:
 * - `bffkit:{u:T}:sess:<id>` a session whose id came from `newId` (`T.<random>`),
 * - `bffkit:sess:<id>` a session with a plain random id (single-node Redis only),
 * - `bffkit:{u:T}:user:H` the user's index.
 * The `{u:T}` hash tag puts a user's sessions and index in one Redis Cluster slot, so every
 * multi-key operation stays in one slot, while different users spread over the whole cluster.
 * Works with a single node, a Sentinel-configured client or a Cluster. Redis errors and timeouts
 * throw `BffError('store_unavailable')`, which requests answer with 503 JSON.
 *
 * @example
 * const redis = new Redis(process.env.REDIS_URL!, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
 * createBff({ ..., session: { store: redisSessionStore(redis, { secret: process.env.BFF_SECRET }) } });
 */
export function redisSessionStore(redis: RedisClient, options: RedisSessionStoreOptions = {}): RedisSessionStore {
  const caller = redisCaller(redis, options, 'redisSessionStore(redis)');
  const ring = keyRing(options);
  const replicas = replicaCount(options.waitForReplicas);
  // A quarter of the deadline: the answer (and with it the back-off) arrives before the deadline
  // even when a few waiting writes queue up behind each other on the connection.
  const waitMs = Math.max(1, Math.floor(((options.timeout ?? DEFAULT_TIMEOUT) * 1000) / 4));
  const logger = options.logger ?? consoleLogger;
  let waitAgainAt = 0;
  const userHash = (userId: string) => createHash('sha256').update(userId).digest('base64url');
  const slot = (tag: string) => `${caller.prefix}{u:${tag}}:`;
  const sessionKey = (id: string) => {
    const placed = PLACED_ID.exec(id);
    return placed ? `${slot(placed[1]!)}sess:${id}` : `${caller.prefix}sess:${id}`;
  };
  const userKey = (userId: string) => {
    const hash = userHash(userId);
    return `${slot(hash.slice(0, TAG_CHARS))}user:${hash}`;
  };

  const encode = (s: SessionData): string => (ring ? seal(ring, encodeSession(s)) : JSON.stringify(toWire(s)));
  // Never throws: a value we cannot open (other secret, tampered, hand-written) is "no session".
  const decode = (raw: string | null, id: string): SessionData | null => {
    if (raw === null) return null;
    const s = ring ? decodeSession(unseal(ring, raw)) : plain(raw);
    // Why compare ids: a value copied under another session's key must not open as that session.
    return s && s.id === id ? s : null;
  };

  /**
   * Runs one write command, then (when asked) WAITs for replicas in the same pipeline: one round
   * trip, and on a Cluster the keyless WAIT goes to the master that took the write. (Not MULTI:
   * inside a transaction WAIT does not block.) Answers the write's reply.
   */
  const write = async (op: (p: ChainableCommander) => ChainableCommander): Promise<unknown> => {
    const waiting = replicas > 0 && Date.now() >= waitAgainAt;
    let replies: [Error | null, unknown][] | null;
    try {
      replies = await caller.run((r) => {
        const pipeline = op(r.pipeline());
        return (waiting ? pipeline.wait(replicas, waitMs) : pipeline).exec();
      });
    } catch (error) {
      // Why back off here too: the commands of a request that hit its deadline stay queued on the
      // server, each WAIT holding the connection; new WAITs would only lengthen that queue.
      if (waiting) waitAgainAt = Date.now() + REPLICA_BACKOFF_MS;
      throw error;
    }
    if (!replies || replies.some(([error]) => error)) throw storeUnavailable();
    if (waiting) {
      const acked = Number(replies.at(-1)?.[1] ?? 0);
      if (acked < replicas && Date.now() >= waitAgainAt) {
        waitAgainAt = Date.now() + REPLICA_BACKOFF_MS;
        logger.warn(
          `redis: a session write reached ${acked} of ${replicas} replicas within ${waitMs} ms; a failover now may lose writes ` +
            `(not waiting for replicas for ${REPLICA_BACKOFF_MS / 1000} s)`,
        );
      }
    }
    return replies[0]![1];
  };

  return {
    kind: 'redis',
    newId(userId) {
      if (typeof userId !== 'string') throw new TypeError('bffkit: newId(userId) needs the user id string');
      return `${userHash(userId).slice(0, TAG_CHARS)}.${randomBytes(16).toString('base64url')}`;
    },
    async get(id) {
      if (typeof id !== 'string' || !ID.test(id)) return null;
      return decode(await caller.run((r) => r.get(sessionKey(id))), id);
    },
    async set(session, ttlSeconds, mode) {
      if (!ID.test(session.id)) throw new TypeError('bffkit: session ids are 16-128 base64url characters');
      const key = sessionKey(session.id);
      const index = userKey(session.user.id);
      if (caller.cluster && !sameSlot(key, index)) {
        throw new TypeError('bffkit: on Redis Cluster, session ids must come from store.newId(user.id) (they carry the user\'s slot)');
      }
      const ttl = Math.ceil(ttlSeconds * 1000);
      if (!(ttl > 0)) {
        await write((p) => p.del(key));
        return false;
      }
      const value = encode(session);
      const done = await write((p) => p.eval(SET_SCRIPT, 2, key, index, value, String(ttl), mode, session.id));
      return done === 1;
    },
    async delete(id) {
      if (typeof id !== 'string' || !ID.test(id)) return;
      // The user index entry goes lazily (listByUser drops ids whose session is gone).
      await write((p) => p.del(sessionKey(id)));
    },
    async listByUser(userId) {
      const index = userKey(userId);
      const ids = await caller.run((r) => r.zrevrange(index, 0, MAX_LISTED - 1));
      if (ids.length === 0) return [];
      // One slot on a Cluster: every id in a user's index carries that user's tag.
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
      // One script (one slot on a Cluster): the sessions and their index entries go together. A
      // refresh racing this fails its SET XX and ends instead of bringing a session back.
      return Number(await write((p) => p.eval(DELETE_ALL_SCRIPT, 1 + ids.length, index, ...ids.map(sessionKey), ...ids)));
    },
  };
}

/** Whether two keys hash to the same Cluster slot by their hash tag (both tagged alike, or the prefix's tag). */
function sameSlot(a: string, b: string): boolean {
  return hashTag(a) === hashTag(b);
}

/** The part of a key Redis Cluster hashes: the first non-empty `{…}`, else the whole key. */
function hashTag(key: string): string {
  const open = key.indexOf('{');
  if (open !== -1) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) return key.slice(open + 1, close);
  }
  return key;
}

function replicaCount(value: number | undefined): number {
  if (value === undefined) return 0;
  if (!Number.isInteger(value) || value < 0 || value > 16) {
    throw new ConfigError('waitForReplicas', 'must be a whole number of replicas from 0 to 16');
  }
  return value;
}

function keyRing(options: RedisSessionStoreOptions): KeyRing | null {
  if (options.encrypt === false) return null;
  if (options.secret === undefined) {
    throw new ConfigError(
      'secret',
      'is required by redisSessionStore to encrypt sessions at rest: pass the same secret as createBff (or encrypt: false)',
    );
  }
  // The same value as createBff's `secret`: a comma-separated string is a rotation list there too.
  return deriveKeyRing(validateSecrets(options.secret), 'session-store');
}

function plain(raw: string): SessionData | null {
  try {
    return fromWire(JSON.parse(raw));
  } catch {
    return null;
  }
}
