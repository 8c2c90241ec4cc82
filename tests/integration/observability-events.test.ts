/**
 * Audit events from the running example app (its sink prints one JSON line per event on stdout):
 * each event type this stack can produce, the base fields, the delivery that never touches a
 * response (a slow and a failing sink), and a scan of every printed event for secrets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecrets, printedEvents, secretsOf, waitForEvent, type PrintedEvent } from '../support/app-events';
import { startApp, TEST_SECRET, type AppProcess } from '../support/app-process';
import { cookieJar, getJson, jsonPost, setCookies, type CookieJar } from '../support/http';
import { readSessionCookie, sealSessionCookie } from '../support/session-cookie';
import { startStack, type Stack } from '../support/stack';

/** Access-token lifetime: a refresh is due after half of it. */
const TTL = 6;
const DUE_MS = (TTL - 0.5) * 1000;
const SUCCESSOR_TTL = 3;
const DIAGNOSTICS_TOKEN = 'observability-events-test-diagnostics-token';
const DEMO = { email: 'demo@example.com', password: 'demo-password' };
const SECOND = { email: 'second@example.com', password: 'second-password' };
const DAY = 24 * 60 * 60;

let stack: Stack;
const cookieValues: string[] = [];
const rawTokens: string[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const app = () => stack.app;
const url = (path: string) => `${stack.app.url}${path}`;
const mark = () => printedEvents(app().output()).length;
const eventOf = (type: string, extra: (e: PrintedEvent) => boolean = () => true, after = 0) => waitForEvent(app(), (e) => e.type === type && extra(e), { after });

async function signIn(creds = DEMO, headers: Record<string, string> = {}): Promise<CookieJar> {
  const jar = cookieJar();
  const res = await jsonPost(url('/api/auth/login'), creds, { cookie: jar, headers });
  expect(res.status).toBe(200);
  await res.arrayBuffer();
  cookieValues.push(jar.get('bffkit')!);
  return jar;
}

async function sessionOf(jar: CookieJar): Promise<string> {
  const res = await getJson(url('/api/auth/session'), { cookie: jar });
  const body = (await res.json()) as { status: string };
  for (const c of setCookies(res)) if (c.value) cookieValues.push(c.value);
  return body.status;
}

beforeAll(async () => {
  stack = await startStack({
    accessTokenTtl: TTL,
    appEnv: {
      BFF_SUCCESSOR_TTL: String(SUCCESSOR_TTL),
      BFF_HANDOFF: '1',
      BFF_TRUST_PROXY: '1',
      BFF_DIAGNOSTICS: '1',
      BFF_DIAGNOSTICS_TOKEN: DIAGNOSTICS_TOKEN,
    },
  });
});
afterAll(() => stack?.stop());

describe('audit events of the running app', () => {
  it('config.warning at start-up: plain-http localhost, diagnostics enabled in production', async () => {
    await eventOf('config.warning', (e) => e.code === 'insecure_cookies');
    await eventOf('config.warning', (e) => e.code === 'diagnostics_in_production');
  });

  it('login.succeeded with the base fields: session id hash, user id, client address (trusted proxy), user agent', async () => {
    const from = mark();
    const jar = await signIn(DEMO, { 'x-forwarded-for': '198.51.100.23, 203.0.113.7', 'user-agent': 'ObservabilityTest/1.0' });
    const event = await eventOf('login.succeeded', () => true, from);
    const session = readSessionCookie(jar.get('bffkit')!)!;
    expect(event).toMatchObject({ method: 'credentials', outcome: 'success', userId: String(session.user.id), clientAddress: '203.0.113.7', userAgent: 'ObservabilityTest/1.0' });
    expect(event.sessionIdHash).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(event.sessionIdHash).not.toContain(session.id);
    expect(Math.abs(Date.parse(event.timestamp) - Date.now())).toBeLessThan(60_000);
  });

  it('login.failed (reason class only) and rate_limited', async () => {
    const from = mark();
    expect((await jsonPost(url('/api/auth/login'), { email: SECOND.email, password: 'not-the-password' })).status).toBe(401);
    const failed = await eventOf('login.failed', () => true, from);
    expect(failed).toMatchObject({ method: 'credentials', reason: 'rejected', outcome: 'failure', userId: null, sessionIdHash: null });
    for (let i = 0; i < 6; i++) await (await jsonPost(url('/api/auth/login'), { email: 'nobody@example.com', password: `guess-${i}` })).arrayBuffer();
    expect(await eventOf('rate_limited', () => true, from)).toMatchObject({ attempt: 'login', outcome: 'failure' });
  });

  it('logout, then session.ended revoked when the signed-out cookie comes back', async () => {
    const jar = await signIn();
    const old = jar.header();
    const from = mark();
    expect((await jsonPost(url('/api/auth/logout'), {}, { cookie: jar })).status).toBe(200);
    const logout = await eventOf('logout', () => true, from);
    expect(logout).toMatchObject({ hadSession: true, providerLogout: false, outcome: 'success' });
    await (await getJson(url('/api/auth/session'), { cookie: old })).arrayBuffer();
    const ended = await eventOf('session.ended', (e) => e.reason === 'revoked', from);
    expect(ended.outcome).toBe('failure');
  });

  it('session.ended idle and absolute, from the timestamps inside the sealed session', async () => {
    const jar = await signIn();
    const session = readSessionCookie(jar.get('bffkit')!)!;
    const now = Math.floor(Date.now() / 1000);
    const idle = sealSessionCookie({ ...session, lastActiveAt: now - 2 * DAY, createdAt: now - 2 * DAY });
    const absolute = sealSessionCookie({ ...session, createdAt: now - 8 * DAY, lastActiveAt: now - 60 });
    cookieValues.push(idle, absolute);
    const from = mark();
    expect(await sessionOf(cookieJar({ bffkit: idle }))).toBe('unauthenticated');
    expect(await sessionOf(cookieJar({ bffkit: absolute }))).toBe('unauthenticated');
    const idleEvent = await eventOf('session.ended', (e) => e.reason === 'idle', from);
    expect(idleEvent.userId).toBe(String(session.user.id));
    await eventOf('session.ended', (e) => e.reason === 'absolute', from);
  });

  it('session.cookie_rejected for a tampered cookie', async () => {
    const from = mark();
    const jar = await signIn();
    const value = jar.get('bffkit')!;
    const tampered = `${value.slice(0, 40)}${value[40] === 'A' ? 'B' : 'A'}${value.slice(41)}`;
    expect(await sessionOf(cookieJar({ bffkit: tampered }))).toBe('unauthenticated');
    expect(await eventOf('session.cookie_rejected', () => true, from)).toMatchObject({ reason: 'tampered' });
  });

  it('csrf.rejected: no anti-forgery header, a foreign Origin', async () => {
    const jar = await signIn();
    const from = mark();
    expect((await jsonPost(url('/api/auth/logout'), {}, { cookie: jar, headers: { 'x-csrf': null } })).status).toBe(403);
    expect((await jsonPost(url('/api/backend/notes'), { title: 't' }, { cookie: jar, headers: { origin: 'https://evil.example' } })).status).toBe(403);
    expect(await eventOf('csrf.rejected', (e) => e.code === 'csrf_failed', from)).toMatchObject({ method: 'POST', path: '/api/auth/logout' });
    expect(await eventOf('csrf.rejected', (e) => e.code === 'forbidden_origin', from)).toMatchObject({ method: 'POST', path: '/api/backend/notes' });
  });

  it('forward.refused: a path outside the allow-list, a method, a traversal', async () => {
    const jar = await signIn();
    const from = mark();
    expect((await getJson(url('/api/backend/admin/users?token=abc'), { cookie: jar })).status).toBe(404);
    expect((await jsonPost(url('/api/backend/auth/me'), {}, { cookie: jar, method: 'DELETE' })).status).toBe(405);
    expect((await getJson(url('/api/backend/notes/..%2f..%2fadmin'), { cookie: jar })).status).toBe(400);
    const refused = async (code: string) => eventOf('forward.refused', (e) => e.code === code, from);
    expect(await refused('path_not_allowed')).toMatchObject({ upstream: 'backend', method: 'GET', path: '/api/backend/admin/users' });
    expect(await refused('method_not_allowed')).toMatchObject({ method: 'DELETE', path: '/api/backend/auth/me' });
    expect(await refused('invalid_request')).toMatchObject({ path: '/api/backend/notes/..%2f..%2fadmin' });
  });

  it('handoff.accepted for the backend\'s own tokens, handoff.refused for a forged one', async () => {
    const tokens = await stack.backend.login(SECOND.email, SECOND.password);
    rawTokens.push(tokens.access_token, tokens.refresh_token);
    const from = mark();
    const jar = cookieJar();
    expect((await jsonPost(url('/api/auth/handoff'), tokens, { cookie: jar })).status).toBe(200);
    cookieValues.push(jar.get('bffkit')!);
    const forged = `${tokens.access_token.slice(0, -4)}AAAA`;
    rawTokens.push(forged);
    expect((await jsonPost(url('/api/auth/handoff'), { access_token: forged })).status).toBe(401);
    expect(await eventOf('handoff.accepted', () => true, from)).toMatchObject({ outcome: 'success', userId: expect.any(String) });
    expect(await eventOf('handoff.refused', () => true, from)).toMatchObject({ reason: 'rejected', outcome: 'failure' });
  });

  it('refresh.succeeded, refresh.successor_used, refresh.rejected with session.ended refresh_rejected, then refresh.reuse_suspected', async () => {
    const first = await signIn();
    const old = first.header();
    const revoked = await signIn(SECOND);
    await sleep(DUE_MS);
    await stack.backend.revoke(SECOND.email);
    const from = mark();
    expect(await sessionOf(first)).toBe('authenticated');
    const succeeded = await eventOf('refresh.succeeded', () => true, from);
    expect(succeeded.durationMs).toEqual(expect.any(Number));
    // The cookie from before the rotation, again within the successor TTL: the same new tokens.
    expect(await sessionOf(cookieJar({ bffkit: old.slice('bffkit='.length) }))).toBe('authenticated');
    await eventOf('refresh.successor_used', () => true, from);
    expect(await sessionOf(revoked)).toBe('unauthenticated');
    await eventOf('refresh.rejected', () => true, from);
    await eventOf('session.ended', (e) => e.reason === 'refresh_rejected', from);
    // Past the successor TTL, the pre-rotation cookie presents a rotated refresh token: reuse.
    await sleep((SUCCESSOR_TTL + 0.5) * 1000);
    const later = mark();
    expect(await sessionOf(cookieJar({ bffkit: old.slice('bffkit='.length) }))).toBe('unauthenticated');
    const reuse = await eventOf('refresh.reuse_suspected', () => true, later);
    expect(reuse).toMatchObject({ outcome: 'failure', userId: succeeded.userId, sessionIdHash: succeeded.sessionIdHash });
    expect((await stack.backend.stats()).refresh_reuse_detected).toBeGreaterThan(0);
  });

  it('every event has the base fields, a known outcome and a timestamp', () => {
    const events = printedEvents(app().output());
    expect(events.length).toBeGreaterThan(25);
    for (const e of events) {
      expect(Object.keys(e)).toEqual(expect.arrayContaining(['type', 'timestamp', 'outcome', 'sessionIdHash', 'userId', 'clientAddress', 'userAgent']));
      expect(['success', 'failure', 'unknown']).toContain(e.outcome);
      expect(Number.isNaN(Date.parse(e.timestamp))).toBe(false);
    }
  });

  it('no event holds a token, password, cookie value or secret', () => {
    const events = printedEvents(app().output());
    const secrets = secretsOf(cookieValues, [TEST_SECRET, DIAGNOSTICS_TOKEN, DEMO.password, SECOND.password, 'not-the-password', ...rawTokens]);
    expect(secrets.length).toBeGreaterThan(20);
    expectNoSecrets(events, secrets);
    expect(app().output()).not.toMatch(/events handler|unhandled|uncaught/i);
  });
});

describe('a slow or failing events handler changes no response', () => {
  let slow: AppProcess;
  let failing: AppProcess;
  beforeAll(async () => {
    const env = { BFF_DIAGNOSTICS: '1', BFF_DIAGNOSTICS_TOKEN: DIAGNOSTICS_TOKEN };
    [slow, failing] = await Promise.all([
      startApp({ backendUrl: stack.backend.url, env: { ...env, BFF_EVENTS_SINK_DELAY_MS: '2000' } }),
      startApp({ backendUrl: stack.backend.url, env: { ...env, BFF_EVENTS_SINK_FAIL: '1' } }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([slow?.stop(), failing?.stop()]);
  });

  /** The same requests against one app: what came back, without the per-session values. */
  async function exchange(target: AppProcess): Promise<unknown[]> {
    const jar = cookieJar();
    const out: unknown[] = [];
    const record = async (res: Response) => {
      const body = (await res.json()) as Record<string, unknown>;
      out.push({ status: res.status, keys: Array.isArray(body) ? 'array' : Object.keys(body).sort(), code: body.code, cookies: setCookies(res).map((c) => c.name), cache: res.headers.get('cache-control') });
    };
    await record(await jsonPost(`${target.url}/api/auth/login`, DEMO, { cookie: jar }));
    cookieValues.push(jar.get('bffkit')!);
    await record(await jsonPost(`${target.url}/api/auth/login`, { email: DEMO.email, password: 'not-the-password' }));
    await record(await getJson(`${target.url}/api/auth/session`, { cookie: jar }));
    await record(await getJson(`${target.url}/api/backend/notes`, { cookie: jar }));
    await record(await jsonPost(`${target.url}/api/auth/logout`, {}, { cookie: jar }));
    return out;
  }

  it('a handler that takes 2 s per event: the same responses, delivered while the handler is still busy', async () => {
    const expected = await exchange(stack.app);
    expect(await exchange(slow)).toEqual(expected);
    // Every response above is in hand; the handler has worked through at most a few of the events.
    const report = (await (await getJson(`${slow.url}/api/auth/diagnostics`, { headers: { authorization: `Bearer ${DIAGNOSTICS_TOKEN}` } })).json()) as {
      events: { recent: PrintedEvent[]; delivery: { delivered: number; pending: number } };
    };
    expect(report.events.recent.map((e) => e.type)).toEqual(expect.arrayContaining(['login.succeeded', 'login.failed', 'logout']));
    expect(report.events.delivery.pending).toBeGreaterThan(0);
    // And they all arrive, in order, one every 2 s.
    const logout = await waitForEvent(slow, (e) => e.type === 'logout', { timeoutMs: 30_000 });
    const printed = printedEvents(slow.output()).map((e) => e.type);
    expect(printed.indexOf('login.succeeded')).toBeLessThan(printed.indexOf('logout'));
    expect(logout.outcome).toBe('success');
  });

  it('a handler that throws: the same responses, one log line, and delivery goes on', async () => {
    const expected = await exchange(stack.app);
    expect(await exchange(failing)).toEqual(expected);
    await waitForEvent(failing, (e) => e.type === 'logout');
    const errors = failing.output().split('\n').filter((l) => l.includes('events handler'));
    expect(errors).toEqual([expect.stringContaining('events handler threw Error; delivery goes on')]);
    expectNoSecrets(printedEvents(failing.output()), secretsOf(cookieValues, [TEST_SECRET, DEMO.password]));
  });
});
