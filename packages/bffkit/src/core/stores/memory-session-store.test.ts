import { describe, expect, it } from 'vitest';
import { memorySessionStore } from './memory-session-store';
import { newSessionId } from '../session/start';
import { START, jsonPost, login, testBff } from '../testing/support';
import type { SessionData } from '../types';

function clockMs(start = 1_000_000) {
  const clock = () => clock.now;
  clock.now = start;
  return clock;
}

function session(userId = 'u1'): SessionData {
  return {
    id: newSessionId(),
    user: { id: userId, name: 'Ada' },
    tokens: { accessToken: 'a', refreshToken: 'r', expiresAt: START + 300, issuedAt: START },
    createdAt: START,
    lastActiveAt: START,
  };
}

describe('memorySessionStore', () => {
  it('stores and returns a copy of the session', async () => {
    const store = memorySessionStore();
    const s = session();
    expect(await store.set(s, 60, 'create')).toBe(true);
    const read = await store.get(s.id);
    expect(read).toEqual(s);
    read!.user.name = 'changed';
    expect((await store.get(s.id))!.user.name).toBe('Ada');
  });

  it('forgets a session once its TTL has passed', async () => {
    const now = clockMs();
    const store = memorySessionStore({ now });
    const s = session();
    await store.set(s, 60, 'create');
    now.now += 59_999;
    expect(await store.get(s.id)).not.toBeNull();
    now.now += 1;
    expect(await store.get(s.id)).toBeNull();
    expect(await store.listByUser('u1')).toEqual([]);
  });

  it("answers false to an 'update' of an ended session and does not bring it back", async () => {
    const store = memorySessionStore();
    const s = session();
    await store.set(s, 60, 'create');
    await store.delete(s.id);
    expect(await store.set(s, 60, 'update')).toBe(false);
    expect(await store.get(s.id)).toBeNull();
  });

  it("never overwrites an existing session on 'create'", async () => {
    const store = memorySessionStore();
    const s = session();
    await store.set(s, 60, 'create');
    expect(await store.set({ ...s, user: { id: 'other' } }, 60, 'create')).toBe(false);
    expect((await store.get(s.id))!.user.id).toBe('u1');
  });

  it("lists and ends one user's sessions without touching another's", async () => {
    const store = memorySessionStore();
    const mine = [session(), session()];
    const theirs = session('u2');
    for (const s of [...mine, theirs]) await store.set(s, 60, 'create');
    expect((await store.listByUser('u1')).map((s) => s.id).sort()).toEqual(mine.map((s) => s.id).sort());
    expect(await store.deleteByUser('u1')).toBe(2);
    expect(await store.listByUser('u1')).toEqual([]);
    expect(await store.get(theirs.id)).toEqual(theirs);
  });

  it('drops the oldest sessions beyond maxSessions', async () => {
    const store = memorySessionStore({ maxSessions: 2 });
    const [a, b, c] = [session(), session(), session()];
    for (const s of [a, b, c]) await store.set(s, 60, 'create');
    expect(await store.get(a.id)).toBeNull();
    expect(await store.get(c.id)).not.toBeNull();
    expect((await store.listByUser('u1')).length).toBe(2);
  });

  it('makes logout revoke a replayed cookie, like any store', async () => {
    const { bff } = testBff({ session: { store: memorySessionStore() } });
    const { cookie } = await login(bff);
    expect((await bff.readSession(cookie)).status).toBe('authenticated');
    await bff.handleAuth(jsonPost('/api/auth/logout', {}, { cookie }));
    expect((await bff.readSession(cookie)).status).toBe('unauthenticated');
  });
});
