/**
 * The contract every SessionStore keeps, as one suite run against each implementation (the
 * in-memory store here, the Redis store in src/redis, on a single node, a Cluster and through a
 * Sentinel failover): what the core relies on, written once. Implementation details (key layout,
 * encryption at rest, eviction bounds) are tested next to each implementation.
 */
import { describe, expect, it } from 'vitest';
import { createBff } from '../../bff';
import { newSessionId } from '../../session/start';
import { silentLogger } from '../../logger';
import { APP, SECRET, fakeBackend, fakeClock, login } from '../../testing/support';
import type { SessionData } from '../../types';
import type { SessionStore } from '../session-store';

/** How the suite gets stores and lets time pass for them. */
export interface SessionStoreHarness {
  /** A store over an empty backing (each call may return a new client of the same backing). */
  make(): SessionStore | Promise<SessionStore>;
  /** Lets `seconds` pass for the store's TTLs: a fake clock, or real waiting for a real server. */
  elapse(seconds: number): Promise<void>;
}

function session(store: SessionStore, over: Partial<SessionData> = {}): SessionData {
  const now = Math.floor(Date.now() / 1000);
  const tag = Math.random().toString(36).slice(2);
  const user = over.user ?? { id: 'user-1', email: 'ada@example.com', name: 'Ada Lovelace' };
  return {
    // Ids as the core makes them: in the store's own shape when it has one.
    id: store.newId?.(user.id) ?? newSessionId(),
    user,
    tokens: { accessToken: `access-${tag}`, refreshToken: `refresh-${tag}`, expiresAt: now + 300, issuedAt: now },
    createdAt: now,
    lastActiveAt: now,
    ...over,
  };
}

/**
 * Registers the SessionStore contract suite.
 *
 * @example
 * sessionStoreContract('memorySessionStore', { make: () => memorySessionStore({ now: clock.now }), elapse: clock.elapse });
 */
export function sessionStoreContract(name: string, harness: SessionStoreHarness): void {
  describe(`SessionStore contract: ${name}`, () => {
    it('stores a session and reads it back unchanged, as a copy the caller cannot change', async () => {
      const store = await harness.make();
      const s = session(store);
      expect(await store.set(s, 60, 'create')).toBe(true);
      const read = await store.get(s.id);
      expect(read).toEqual(s);
      read!.user.name = 'changed by the caller';
      expect((await store.get(s.id))?.user.name).toBe('Ada Lovelace');
    });

    it('forgets a session once its TTL has passed', async () => {
      const store = await harness.make();
      const s = session(store);
      await store.set(s, 1, 'create');
      await harness.elapse(1.2);
      expect(await store.get(s.id)).toBeNull();
      expect(await store.listByUser('user-1')).toEqual([]);
    });

    it("replaces a live session on 'update'", async () => {
      const store = await harness.make();
      const s = session(store);
      await store.set(s, 10, 'create');
      const renewed = { ...s, lastActiveAt: s.lastActiveAt + 5 };
      expect(await store.set(renewed, 120, 'update')).toBe(true);
      expect(await store.get(s.id)).toEqual(renewed);
    });

    it("answers false to an 'update' of a deleted session and does not bring it back", async () => {
      const store = await harness.make();
      const s = session(store);
      await store.set(s, 60, 'create');
      await store.delete(s.id);
      expect(await store.set({ ...s, tokens: { ...s.tokens, accessToken: 'new-access' } }, 60, 'update')).toBe(false);
      expect(await store.get(s.id)).toBeNull();
    });

    it("never overwrites an existing session on 'create'", async () => {
      const store = await harness.make();
      const s = session(store);
      await store.set(s, 60, 'create');
      expect(await store.set({ ...s, tokens: { ...s.tokens, accessToken: 'intruder' } }, 60, 'create')).toBe(false);
      expect((await store.get(s.id))?.tokens.accessToken).toBe(s.tokens.accessToken);
    });

    it('deletes a missing session without an error', async () => {
      const store = await harness.make();
      await expect(store.delete(store.newId?.('user-1') ?? newSessionId())).resolves.toBeUndefined();
    });

    it("lists a user's live sessions, not ended ones and not another user's", async () => {
      const store = await harness.make();
      const [a, b, c] = [session(store), session(store), session(store)];
      const other = session(store, { user: { id: 'user-2' } });
      for (const s of [a, b, c, other]) await store.set(s, 60, 'create');
      await store.delete(b.id);
      expect((await store.listByUser('user-1')).map((s) => s.id).sort()).toEqual([a.id, c.id].sort());
      expect((await store.listByUser('user-2')).map((s) => s.id)).toEqual([other.id]);
      expect(await store.listByUser('nobody')).toEqual([]);
    });

    it('ends every session of one user and no one else, and answers how many', async () => {
      const store = await harness.make();
      const mine = [session(store), session(store), session(store)];
      const theirs = session(store, { user: { id: 'user-2' } });
      for (const s of [...mine, theirs]) await store.set(s, 60, 'create');
      expect(await store.deleteByUser('user-1')).toBe(3);
      for (const s of mine) expect(await store.get(s.id)).toBeNull();
      expect(await store.get(theirs.id)).toEqual(theirs);
      expect(await store.listByUser('user-1')).toEqual([]);
      expect(await store.deleteByUser('user-1')).toBe(0);
    });

    it('lets no refresh racing "sign out everywhere" resurrect a session', async () => {
      const store = await harness.make();
      const s = session(store);
      await store.set(s, 60, 'create');
      const refreshed = { ...s, tokens: { ...s.tokens, accessToken: 'late' } };
      const [, updated] = await Promise.all([store.deleteByUser('user-1'), store.set(refreshed, 60, 'update')]);
      // Whichever ran first, the session is gone afterwards.
      expect(await store.get(s.id)).toBeNull();
      expect(typeof updated).toBe('boolean');
    });

    it('reads unknown and malformed ids as no session', async () => {
      const store = await harness.make();
      for (const id of [store.newId?.('user-1') ?? newSessionId(), '', 'short', '../../etc', 'a'.repeat(200), 'with space in it!!']) {
        expect(await store.get(id)).toBeNull();
      }
    });

    it("behind createBff: logout makes a replayed cookie anonymous and leaves the user's other session alive", async () => {
      const store = await harness.make();
      const clock = fakeClock();
      const bff = createBff({ secret: SECRET, baseUrl: APP, backend: fakeBackend(clock), clock, logger: silentLogger, session: { store } });
      const mine = await login(bff);
      const other = await login(bff);
      await bff.handleAuth(new Request(`${APP}/api/auth/logout`, { method: 'POST', headers: { 'x-csrf': '1', origin: APP, cookie: mine.cookie } }));
      expect((await bff.loadSession(mine.cookie, 'never')).kind).toBe('anonymous');
      expect((await bff.loadSession(other.cookie, 'never')).kind).toBe('active');
    });
  });
}
