import type { SessionStore } from './session-store';
import type { SessionData } from '../types';

/** Options of {@link memorySessionStore}. */
export interface MemorySessionStoreOptions {
  /** Most sessions kept at once; the oldest go first. @default 100_000 */
  maxSessions?: number;
  /** Milliseconds clock (tests inject one). @default Date.now */
  now?: () => number;
}

interface Entry {
  session: SessionData;
  expires: number;
}

/**
 * An in-process session store: the same server-side behaviour as the Redis store (opaque cookie,
 * revocation, "sign out everywhere") for development, tests and single-instance apps. Sessions end
 * when the process restarts; use `bffkit/redis` when more than one instance serves the app.
 *
 * @example
 * createBff({ ..., session: { store: memorySessionStore() } });
 */
export function memorySessionStore(options: MemorySessionStoreOptions = {}): SessionStore {
  const maxSessions = options.maxSessions ?? 100_000;
  const now = options.now ?? Date.now;
  const sessions = new Map<string, Entry>();
  const byUser = new Map<string, Set<string>>();

  const live = (id: string): Entry | undefined => {
    const entry = sessions.get(id);
    if (entry && entry.expires <= now()) {
      remove(id);
      return undefined;
    }
    return entry;
  };
  const remove = (id: string): boolean => {
    const entry = sessions.get(id);
    if (!entry) return false;
    sessions.delete(id);
    const ids = byUser.get(entry.session.user.id);
    ids?.delete(id);
    if (ids?.size === 0) byUser.delete(entry.session.user.id);
    return true;
  };

  return {
    kind: 'memory',
    async get(id) {
      const entry = live(id);
      // Copies in and out: callers never share (and mutate) the stored object.
      return entry ? structuredClone(entry.session) : null;
    },
    async set(session, ttlSeconds, mode) {
      const exists = live(session.id) !== undefined;
      if (mode === 'update' ? !exists : exists) return false;
      if (!(ttlSeconds > 0)) {
        remove(session.id);
        return false;
      }
      sessions.delete(session.id); // re-insert: Map order stays "oldest write first"
      sessions.set(session.id, { session: structuredClone(session), expires: now() + ttlSeconds * 1000 });
      const ids = byUser.get(session.user.id) ?? new Set<string>();
      ids.add(session.id);
      byUser.set(session.user.id, ids);
      // Why bounded: a login flood must not grow memory without limit.
      while (sessions.size > maxSessions) {
        const oldest = sessions.keys().next().value;
        if (oldest === undefined) break;
        remove(oldest);
      }
      return true;
    },
    async delete(id) {
      remove(id);
    },
    async listByUser(userId) {
      const out: SessionData[] = [];
      for (const id of [...(byUser.get(userId) ?? [])]) {
        const entry = live(id);
        if (entry) out.push(structuredClone(entry.session));
      }
      return out;
    },
    async deleteByUser(userId) {
      let ended = 0;
      for (const id of [...(byUser.get(userId) ?? [])]) if (live(id) && remove(id)) ended++;
      return ended;
    },
  };
}
