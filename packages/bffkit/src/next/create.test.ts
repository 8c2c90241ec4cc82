import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { BffOptions } from '../core/config';
import { APP, DEMO, SECRET, fakeBackend, fakeClock, jsonPost, login, recordingLogger } from '../core/testing/support';

// Next's request APIs are the only mock: what the browser sent (`request.cookie`) and the jar writes.
const request = { cookie: null as string | null, extra: {} as Record<string, string> };
const jar = { set: vi.fn() };
vi.mock('next/headers', () => ({
  headers: async () => new Headers({ ...request.extra, ...(request.cookie ? { cookie: request.cookie } : {}) }),
  cookies: async () => ({ set: jar.set }),
}));
const { createBffNext } = await import('./create');

beforeEach(() => {
  request.cookie = null;
  request.extra = {};
  jar.set.mockReset();
});

/** Options and their fake backend, with one upstream the fake backend answers as its own API. */
function options(over: Partial<BffOptions> = {}) {
  const clock = fakeClock();
  const backend = fakeBackend(clock, { accessTtl: 60 });
  const logger = recordingLogger();
  const opts: BffOptions = { secret: SECRET, baseUrl: APP, backend, clock, logger, ...over };
  return { opts, backend, clock, logger };
}

describe('createBffNext', () => {
  it('builds the core lazily: nothing is validated until the first use (next build evaluates modules)', () => {
    const factory = vi.fn(() => options().opts);
    const bff = createBffNext(factory);
    expect(factory).not.toHaveBeenCalled();
    bff.core();
    bff.core();
    expect(factory).toHaveBeenCalledTimes(1);
  });

  it('serves the auth routes from the route-handler exports', async () => {
    const bff = createBffNext(options().opts);
    const res = await bff.authRoutes.POST(jsonPost('/api/auth/login', DEMO));
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()).toHaveLength(1);
    expect((await bff.authRoutes.GET(new Request(`${APP}/api/auth/session`))).status).toBe(200);
  });

  it('answers a misconfiguration with a JSON 500 and logs one line naming the field, no secret', async () => {
    const logger = recordingLogger();
    const bff = createBffNext(() => ({ ...options().opts, secret: 'short', logger }));
    const res = await bff.authRoutes.GET(new Request(`${APP}/api/auth/session`));
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ code: 'internal_error', message: 'Internal error.' });
    const errors = logger.lines.filter((l) => l.level === 'error').map((l) => l.message);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^invalid configuration: `secret`/);
    expect(errors[0]).not.toContain('short');
  });

  it('getSession reads the request cookie through headers() and never refreshes or writes', async () => {
    const { opts, backend, clock } = options();
    const bff = createBffNext(opts);
    const { cookie } = await login(bff.core());
    request.cookie = cookie;
    clock.advance(120); // the access token is due
    const session = await bff.getSession();
    expect(session.status).toBe('authenticated');
    expect(backend.calls.refresh).toBe(0);
    expect(jar.set).not.toHaveBeenCalled();
  });

  it('getSession is anonymous without a cookie', async () => {
    const bff = createBffNext(options().opts);
    expect(await bff.getSession()).toEqual({ status: 'unauthenticated' });
  });

  it('fetchBackend refreshes a due token and persists the new cookie through cookies().set', async () => {
    const upstreams = { api: { url: 'http://127.0.0.1:9', mount: '/api/backend', allow: [{ path: '/auth/me', methods: ['GET'] }], timeout: 1 } };
    const { opts, backend, clock } = options({ upstreams });
    const bff = createBffNext(opts);
    const { cookie } = await login(bff.core());
    request.cookie = cookie;
    clock.advance(120);
    // Port 9 (discard) refuses: the call answers 502, but the refresh happened first and is kept.
    const res = await bff.fetchBackend('/auth/me');
    expect(res.status).toBe(502);
    expect(backend.calls.refresh).toBe(1);
    expect(jar.set).toHaveBeenCalledTimes(1);
    expect(jar.set.mock.calls[0]![0]).toBe('bffkit');
  });

  it('fetchBackend without upstreams is a caller bug: TypeError naming the option', async () => {
    const bff = createBffNext(options().opts);
    await expect(bff.fetchBackend('/auth/me')).rejects.toThrow(/configure `upstreams`/);
  });

  it('the session actions end sessions and persist the cleared cookie', async () => {
    const bff = createBffNext(options().opts);
    const { cookie } = await login(bff.core());
    request.cookie = cookie;
    expect((await bff.listSessions()).length).toBe(1);
    expect(await bff.signOutEverywhere()).toEqual({ ended: 1 });
    expect(jar.set).toHaveBeenCalledWith('bffkit', '', expect.objectContaining({ maxAge: 0 }));
  });

  it('callBackend answers plain values: unauthenticated without a session, session_expired when proxy.ts just ended it', async () => {
    const upstreams = { api: { url: 'http://127.0.0.1:9', mount: '/api/backend', allow: [{ path: '/notes', methods: ['GET'] }], timeout: 1 } };
    const bff = createBffNext(options({ upstreams, defaultReturnTo: '/call-backend' }).opts);
    expect(await bff.callBackend('/notes')).toEqual({ ok: false, status: 401, code: 'unauthenticated', message: 'Sign in first.' });
    request.extra = { 'x-bffkit-session-ended': '1' };
    expect(await bff.callBackend('/notes')).toMatchObject({ ok: false, status: 401, code: 'session_expired' });
    expect((await bff.fetchBackend('/notes')).status).toBe(401);
  });

  it('callBackend with a session: the upstream down is a value too (upstream_unavailable), never a throw', async () => {
    const upstreams = { api: { url: 'http://127.0.0.1:9', mount: '/api/backend', allow: [{ path: '/notes', methods: ['GET'] }], timeout: 1 } };
    const bff = createBffNext(options({ upstreams, defaultReturnTo: '/call-backend-2' }).opts);
    request.cookie = (await login(bff.core())).cookie;
    // A forged mark next to a live session changes nothing.
    request.extra = { 'x-bffkit-session-ended': '1' };
    expect(await bff.callBackend('/notes')).toMatchObject({ ok: false, status: 502, code: 'upstream_unavailable' });
  });
});
