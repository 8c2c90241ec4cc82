import { describe, expect, it } from 'vitest';
import { createBff } from '../bff';
import { BffError } from '../errors';
import { memorySessionStore } from '../stores/memory-session-store';
import { APP, SECRET, DEMO, fakeBackend, fakeClock, isClearing, jsonPost, login, recordingLogger, testBff, type FakeBackend } from '../testing/support';
import type { SessionStore } from '../stores/session-store';

/** One backend (two users) and a store shared by every "browser" that signs in. */
function setup(store: SessionStore | undefined = memorySessionStore()) {
  const t = testBff(store ? { session: { store } } : {});
  const backend = t.backend as FakeBackend;
  const second = { id: 'u2', email: 'second@example.com', name: 'Second User' };
  const original = backend.login.bind(backend);
  // A second account on the fake backend: its tokens map to user u2.
  backend.login = async (credentials) => {
    if (credentials.email !== 'second@example.com') return original(credentials);
    const result = await original(DEMO);
    if (result.ok) backend.nextUser.push({ ok: true, value: second });
    return result;
  };
  return t;
}

describe('session management (store mode)', () => {
  it("lists the caller's live sessions, newest first, current one marked, no tokens", async () => {
    const { bff, clock } = setup();
    const first = await login(bff);
    clock.advance(10);
    const second = await login(bff);
    const list = await bff.listSessions(second.cookie);
    expect(list.map((s) => s.current)).toEqual([true, false]);
    expect(list[0]!.createdAt).toBeGreaterThan(list[1]!.createdAt);
    expect(Object.keys(list[0]!).sort()).toEqual(['createdAt', 'current', 'expiresAt', 'id', 'lastActiveAt']);
    expect((await bff.listSessions(first.cookie)).find((s) => s.current)!.id).toBe(list[1]!.id);
    expect(await bff.listSessions(null)).toEqual([]);
  });

  it('never lists another user’s sessions', async () => {
    const { bff } = setup();
    const demo = await login(bff);
    await login(bff, { body: { email: 'second@example.com', password: 'x' } });
    expect(await bff.listSessions(demo.cookie)).toHaveLength(1);
  });

  it('ends another of my sessions: that cookie stops working, mine keeps working, its token is revoked', async () => {
    const { bff, backend } = setup();
    const other = await login(bff);
    const mine = await login(bff);
    const target = (await bff.listSessions(mine.cookie)).find((s) => !s.current)!;
    const result = await bff.endSession(mine.cookie, target.id);
    expect(result).toEqual({ ended: 1, signedOut: false, cookies: [] });
    expect((await bff.readSession(other.cookie)).status).toBe('unauthenticated');
    expect((await bff.readSession(mine.cookie)).status).toBe('authenticated');
    expect(backend.calls.revoke).toBe(1);
  });

  it("cannot end another user's session (same answer as an unknown id)", async () => {
    const { bff } = setup();
    const victim = await login(bff, { body: { email: 'second@example.com', password: 'x' } });
    const attacker = await login(bff);
    const victimId = (await bff.listSessions(victim.cookie))[0]!.id;
    const answer = await bff.endSession(attacker.cookie, victimId);
    expect(answer).toEqual(await bff.endSession(attacker.cookie, 'unknown-id-unknown-id'));
    expect(answer.ended).toBe(0);
    expect((await bff.readSession(victim.cookie)).status).toBe('authenticated');
  });

  it('ending the current session signs the caller out and clears the cookie', async () => {
    const { bff } = setup();
    const mine = await login(bff);
    const [current] = await bff.listSessions(mine.cookie);
    const result = await bff.endSession(mine.cookie, current!.id);
    expect(result.signedOut).toBe(true);
    expect(result.cookies.every(isClearing)).toBe(true);
    expect((await bff.readSession(mine.cookie)).status).toBe('unauthenticated');
  });

  it('ignores malformed ids and anonymous callers', async () => {
    const { bff } = setup();
    const mine = await login(bff);
    for (const id of [undefined, 42, '', 'x'.repeat(500), { id: 'a' }]) {
      expect((await bff.endSession(mine.cookie, id)).ended).toBe(0);
    }
    expect((await bff.endSession(null, 'whatever')).ended).toBe(0);
    expect((await bff.endAllSessions(null)).ended).toBe(0);
  });

  it("signs out everywhere: every session of the user ends, other users' stay", async () => {
    const { bff, backend } = setup();
    const browsers = [await login(bff), await login(bff), await login(bff)];
    const bystander = await login(bff, { body: { email: 'second@example.com', password: 'x' } });
    const result = await bff.endAllSessions(browsers[0]!.cookie);
    expect(result.ended).toBe(3);
    expect(result.signedOut).toBe(true);
    expect(result.cookies.length).toBeGreaterThan(0);
    for (const b of browsers) expect((await bff.readSession(b.cookie)).status).toBe('unauthenticated');
    expect((await bff.readSession(bystander.cookie)).status).toBe('authenticated');
    expect(backend.calls.revoke).toBe(3);
  });

  it('ends every session of a user by id for trusted server code', async () => {
    const { bff } = setup();
    const browsers = [await login(bff), await login(bff)];
    expect(await bff.endUserSessions('u1')).toBe(2);
    for (const b of browsers) expect((await bff.readSession(b.cookie)).status).toBe('unauthenticated');
  });

  it('surfaces a store outage as store_unavailable instead of "no sessions"', async () => {
    const store = memorySessionStore();
    const { bff } = setup(store);
    const mine = await login(bff);
    store.listByUser = async () => {
      throw new BffError('store_unavailable', 'The session store is unavailable. Try again.');
    };
    await expect(bff.listSessions(mine.cookie)).rejects.toMatchObject({ code: 'store_unavailable' });
  });
});

describe('session management (cookie mode)', () => {
  it('knows only the current session, and "sign out everywhere" ends it', async () => {
    const clock = fakeClock();
    const backend = fakeBackend(clock);
    const bff = createBff({ secret: SECRET, baseUrl: APP, backend, clock, logger: recordingLogger() });
    const res = await bff.handleAuth(jsonPost('/api/auth/login', DEMO));
    const cookie = res.headers.getSetCookie().map((l) => l.split(';')[0]).join('; ');
    const list = await bff.listSessions(cookie);
    expect(list).toHaveLength(1);
    expect(list[0]!.current).toBe(true);
    const result = await bff.endAllSessions(cookie);
    expect(result).toMatchObject({ ended: 1, signedOut: true });
    expect((await bff.readSession(cookie)).status).toBe('unauthenticated');
    await expect(bff.endUserSessions('u1')).rejects.toThrow(TypeError);
  });
});
