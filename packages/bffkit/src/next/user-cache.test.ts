import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BffOptions } from '../core/config';
import { APP, DEMO, OTHER_SECRET, SECRET, fakeBackend, fakeClock, jsonPost, login, recordingLogger } from '../core/testing/support';

// Next's request APIs and its tag expiry are the only mocks: the request's cookie, the jar, revalidateTag.
const request = { cookie: null as string | null };
const jar = { set: vi.fn() };
const revalidateTag = vi.fn();
vi.mock('next/headers', () => ({
  headers: async () => new Headers(request.cookie ? { cookie: request.cookie } : {}),
  cookies: async () => ({ set: jar.set }),
}));
vi.mock('next/cache', () => ({ io: async () => undefined, revalidateTag: (...args: unknown[]) => revalidateTag(...args) }));
const { createBffNext } = await import('./create');
const { LEASE_GRACE_MS } = await import('./user-cache');

/** A real upstream on loopback: answers /notes with the bearer token it was sent (so tests can see it). */
let upstream: Server;
let upstreamUrl: string;
const seen: string[] = [];
beforeAll(async () => {
  upstream = createServer((req, res) => {
    seen.push(String(req.headers.authorization ?? ''));
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify([{ id: 1, title: 'first' }]));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => upstream.close(() => r())));

beforeEach(() => {
  request.cookie = null;
  jar.set.mockReset();
  revalidateTag.mockReset();
  seen.length = 0;
});

let instances = 0;

/**
 * A fresh binding with its own core (bffkit shares one core per process for identical options:
 * `defaultReturnTo` makes each test's options different). `secret`: another one gives the same user
 * another tag, so leases left by other tests cannot answer.
 */
function setup(secret: string = SECRET) {
  instances += 1;
  const clock = fakeClock();
  const backend = fakeBackend(clock, { accessTtl: 60 });
  const opts: BffOptions = {
    secret,
    baseUrl: APP,
    backend,
    clock,
    logger: recordingLogger(),
    defaultReturnTo: `/test-${instances}`,
    upstreams: { api: { url: upstreamUrl, mount: '/api/backend', allow: [{ path: '/notes', methods: ['GET'] }] } },
  };
  const bff = createBffNext(opts);
  return { bff, backend, clock };
}

async function signedIn(bff: ReturnType<typeof setup>['bff']) {
  const { cookie } = await login(bff.core());
  request.cookie = cookie;
  const loaded = await bff.core().loadSession(cookie, 'never');
  if (loaded.kind !== 'active') throw new Error('no session');
  return { cookie, tokens: loaded.session.tokens };
}

describe('bff.perUser: per-user cached functions', () => {
  it('answers null without a session and never calls the function', async () => {
    const { bff } = setup();
    const fn = vi.fn(async () => 1);
    expect(await bff.perUser(fn)()).toBeNull();
    expect(fn).not.toHaveBeenCalled();
  });

  it('passes an opaque per-user tag first (no id, e-mail or token in it), then the caller\'s arguments', async () => {
    const { bff } = setup();
    const { tokens } = await signedIn(bff);
    const fn = vi.fn(async (user: { tag: string }, page: number) => `${user.tag}#${page}`);
    const answer = await bff.perUser(fn)(2);
    const [user, page] = fn.mock.calls[0]!;
    expect(page).toBe(2);
    expect(Object.keys(user)).toEqual(['tag']);
    expect(user.tag).toMatch(/^bffkit:u:[A-Za-z0-9_-]{22}$/);
    expect(answer).toBe(`${user.tag}#2`);
    for (const secret of [tokens.accessToken, tokens.refreshToken!, DEMO.email, 'u1']) expect(user.tag).not.toContain(secret);
    // The same user gets the same tag (from every instance with the same secret); userCacheTag agrees.
    expect(await bff.userCacheTag()).toBe(user.tag);
  });

  it('gives the function the backend through fetchBackendFor(user): the request\'s token, never an argument', async () => {
    const { bff } = setup();
    const { tokens } = await signedIn(bff);
    const getNotes = bff.perUser(async (user) => (await bff.fetchBackendFor(user, '/notes')).json());
    expect(await getNotes()).toEqual([{ id: 1, title: 'first' }]);
    expect(seen).toEqual([`Bearer ${tokens.accessToken}`]);
  });

  it('refuses fetchBackendFor outside a perUser call, or with a made-up user', async () => {
    const { bff } = setup();
    await signedIn(bff);
    await expect(bff.fetchBackendFor({ tag: 'bffkit:u:AAAAAAAAAAAAAAAAAAAAAA' }, '/notes')).rejects.toThrow(/only inside a function wrapped by bff.perUser/);
    await expect(bff.fetchBackendFor({ tag: 'user:1' }, '/notes')).rejects.toThrow(TypeError);
    expect(seen).toEqual([]);
  });

  it('keeps the credential for a short grace after returning (Next regenerates stale entries in the background)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const { bff } = setup(OTHER_SECRET);
      await signedIn(bff);
      let captured: { tag: string } | undefined;
      await bff.perUser(async (user) => void (captured = user))();
      expect((await bff.fetchBackendFor(captured!, '/notes')).status).toBe(200);
      vi.advanceTimersByTime(LEASE_GRACE_MS + 1);
      await expect(bff.fetchBackendFor(captured!, '/notes')).rejects.toThrow(TypeError);
    } finally {
      vi.useRealTimers();
    }
  });

  it('persists a refresh made inside the function once the wrapper returns', async () => {
    const { bff, backend, clock } = setup();
    await signedIn(bff);
    clock.advance(120); // the access token is due
    await bff.perUser(async (user) => (await bff.fetchBackendFor(user, '/notes')).status)();
    expect(backend.calls.refresh).toBe(1);
    expect(jar.set).toHaveBeenCalledTimes(1);
    expect(jar.set.mock.calls[0]![0]).toBe('bffkit');
  });
});

describe('the development guard of bff.perUser', () => {
  it('throws when an argument holds the access token, the refresh token or the session cookie, and names where', async () => {
    const { bff } = setup();
    const { cookie, tokens } = await signedIn(bff);
    const fn = vi.fn(async () => 1);
    const cached = bff.perUser(fn as (user: unknown, arg: unknown) => Promise<number>);
    await expect(cached({ auth: `Bearer ${tokens.accessToken}` })).rejects.toThrow(/access token \(at \$\[0\]\.auth\)/);
    await expect(cached([tokens.refreshToken])).rejects.toThrow(/refresh token/);
    await expect(cached(new Map([['c', cookie.split('=')[1]]]))).rejects.toThrow(/session cookie/);
    expect(fn).not.toHaveBeenCalled();
  });

  it('throws on anything shaped like a JWT, and never puts the value in the message', async () => {
    const { bff } = setup();
    await signedIn(bff);
    const jwt = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiIxIiwiZXhwIjo5fQ.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg';
    const cached = bff.perUser(async (_user, _token: string) => 1);
    const error = await cached(jwt).catch((e: Error) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/a JSON Web Token/);
    expect((error as Error).message).not.toContain(jwt.slice(0, 20));
  });

  it('throws when the result holds a token (a backend that echoes it would put it in the cache)', async () => {
    const { bff } = setup();
    const { tokens } = await signedIn(bff);
    const cached = bff.perUser(async () => ({ nested: [{ token: tokens.accessToken }] }));
    await expect(cached()).rejects.toThrow(/the result of a bff.perUser\(\) function holds the session's access token/);
  });

  it('lets plain ids and data through', async () => {
    const { bff } = setup();
    await signedIn(bff);
    const cached = bff.perUser(async (_user, id: string, opts: { page: number }) => ({ id, ...opts }));
    expect(await cached('note-42', { page: 3 })).toEqual({ id: 'note-42', page: 3 });
  });
});

describe('expiring a user\'s cached entries', () => {
  it('logout of a signed-in browser expires that user\'s tag at once; an anonymous logout expires nothing', async () => {
    const { bff } = setup();
    const { cookie } = await signedIn(bff);
    const tag = await bff.userCacheTag();
    await bff.authRoutes.POST(jsonPost('/api/auth/logout', {}, { cookie }));
    expect(revalidateTag).toHaveBeenCalledWith(tag, { expire: 0 });
    revalidateTag.mockReset();
    await bff.authRoutes.POST(jsonPost('/api/auth/logout', {}));
    expect(revalidateTag).not.toHaveBeenCalled();
  });

  it('a login from a browser that was signed in expires the previous user\'s tag (user change)', async () => {
    const { bff } = setup();
    const { cookie } = await signedIn(bff);
    const tag = await bff.userCacheTag();
    const res = await bff.authRoutes.POST(jsonPost('/api/auth/login', DEMO, { cookie }));
    expect(res.status).toBe(200);
    expect(revalidateTag).toHaveBeenCalledWith(tag, { expire: 0 });
  });

  it('reading the session (GET /session) expires nothing', async () => {
    const { bff } = setup();
    const { cookie } = await signedIn(bff);
    await bff.authRoutes.GET(new Request(`${APP}/api/auth/session`, { headers: { cookie } }));
    expect(revalidateTag).not.toHaveBeenCalled();
  });

  it('"sign out everywhere" and ending this session expire the tag; ending another session does not', async () => {
    const { bff } = setup();
    await signedIn(bff);
    const tag = await bff.userCacheTag();
    expect((await bff.endSession('some-other-id')).signedOut).toBe(false);
    expect(revalidateTag).not.toHaveBeenCalled();
    await bff.signOutEverywhere();
    expect(revalidateTag).toHaveBeenCalledWith(tag, { expire: 0 });
  });
});
