import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBff } from './bff';
import { ConfigError } from './errors';
import { APP, DEMO_USER, fakeBackend, fakeClock, login, memoryStore, SECRET, setCookieLine, testBff } from './testing/support';

/** A real upstream on 127.0.0.1 that records what reaches it. */
let server: Server;
let upstreamUrl: string;
let hits: { path: string; headers: IncomingHttpHeaders }[];

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push({ path: req.url!, headers: req.headers });
    res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': 'upstream=1' });
    res.end(JSON.stringify({ id: 'u1' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  upstreamUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  hits = [];
});

const withUpstream = () => ({ upstreams: { api: { url: upstreamUrl, mount: '/api/backend', allow: [{ path: '/auth/me', methods: ['GET'] }] } } });

describe('createBff', () => {
  it('validates options once and throws a ConfigError naming the field', () => {
    const backend = fakeBackend(fakeClock());
    expect(() => createBff({ secret: 'short', baseUrl: APP, backend })).toThrow(ConfigError);
    expect(() => createBff({ secret: SECRET, baseUrl: 'http://app.example.com', backend })).toThrow(/`baseUrl`/);
  });

  it('exposes the resolved configuration', () => {
    const { bff } = testBff();
    expect(bff.config.appOrigin).toBe(APP);
    expect(bff.config.cookie.name).toBe('bffkit');
  });
});

describe('Bff.readSession', () => {
  it("answers the browser-safe view: the user and the session end, never a token", async () => {
    const { bff, backend, clock } = testBff();
    const { cookie } = await login(bff);
    const session = await bff.readSession(cookie);
    expect(session).toEqual({
      status: 'authenticated',
      user: DEMO_USER,
      expiresAt: (clock.now + 86_400) * 1000,
      auth: { amr: ['pwd'], authTime: clock.now },
      refreshAt: (clock.now + 270) * 1000,
    });
    for (const token of backend.issued) expect(JSON.stringify(session)).not.toContain(token);
  });

  it('neither refreshes nor writes anything, even when the token is due', async () => {
    const { bff, backend, clock } = testBff();
    const { cookie } = await login(bff);
    clock.advance(300);
    expect((await bff.readSession(cookie)).status).toBe('authenticated');
    expect(backend.calls.refresh).toBe(0);
  });

  it('answers unauthenticated for no cookie or a bad one', async () => {
    const { bff } = testBff();
    expect(await bff.readSession(null)).toEqual({ status: 'unauthenticated' });
    expect(await bff.readSession('bffkit=garbage')).toEqual({ status: 'unauthenticated' });
  });

  it('throws store_unavailable rather than reading as signed out when the store is down', async () => {
    const store = memoryStore();
    const { bff } = testBff({ session: { store } });
    const { cookie } = await login(bff);
    store.down = true;
    await expect(bff.readSession(cookie)).rejects.toMatchObject({ code: 'store_unavailable' });
  });
});

describe('Bff.loadSession', () => {
  it('refreshes when due by default', async () => {
    const { bff, backend, clock } = testBff();
    const { cookie } = await login(bff);
    clock.advance(300);
    const loaded = await bff.loadSession(cookie);
    expect(loaded.kind === 'active' && loaded.cookies.length).toBe(1);
    expect(backend.calls.refresh).toBe(1);
  });
});

describe('Bff.fetchBackend', () => {
  it("calls the upstream with the session's access token and never the browser's cookies", async () => {
    const { bff } = testBff(withUpstream());
    const { cookie } = await login(bff);
    const loaded = await bff.loadSession(cookie, 'never');
    const { response, cookies: setCookieValues } = await bff.fetchBackend(cookie, 'api', '/auth/me');
    const setCookies = setCookieValues.map(setCookieLine);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ id: 'u1' });
    expect(setCookies).toEqual([]);
    expect(hits).toHaveLength(1);
    expect(hits[0]!.headers.authorization).toBe(`Bearer ${loaded.kind === 'active' ? loaded.session.tokens.accessToken : ''}`);
    expect(hits[0]!.headers.cookie).toBeUndefined();
  });

  it('answers 401 JSON without a session and never calls the upstream', async () => {
    const { bff } = testBff(withUpstream());
    const { response, cookies: setCookieValues } = await bff.fetchBackend(null, 'api', '/auth/me');
    const setCookies = setCookieValues.map(setCookieLine);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { code: string }).code).toBe('unauthenticated');
    expect(setCookies).toEqual([]);
    expect(hits).toHaveLength(0);
  });

  it('refreshes a due token first and hands back the cookie to persist', async () => {
    const { bff, backend, clock } = testBff(withUpstream());
    const { cookie } = await login(bff);
    clock.advance(300);
    const { response, cookies: setCookieValues } = await bff.fetchBackend(cookie, 'api', '/auth/me');
    const setCookies = setCookieValues.map(setCookieLine);
    expect(response.status).toBe(200);
    expect(backend.calls.refresh).toBe(1);
    expect(setCookies).toHaveLength(1);
    const refreshed = await bff.loadSession(setCookies[0]!.split(';')[0]!, 'never');
    expect(refreshed.kind === 'active' && hits[0]!.headers.authorization).toBe(
      `Bearer ${refreshed.kind === 'active' ? refreshed.session.tokens.accessToken : ''}`,
    );
  });

  it('throws TypeError for caller mistakes: an unknown upstream, a relative path, a path outside the allow-list', async () => {
    const { bff } = testBff(withUpstream());
    await expect(bff.fetchBackend(null, 'nope', '/auth/me')).rejects.toBeInstanceOf(TypeError);
    await expect(bff.fetchBackend(null, 'api', 'auth/me')).rejects.toBeInstanceOf(TypeError);
    await expect(bff.fetchBackend(null, 'api', '/admin')).rejects.toBeInstanceOf(TypeError);
    expect(hits).toHaveLength(0);
  });
});
