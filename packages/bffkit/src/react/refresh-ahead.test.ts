import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bffFetch } from './fetch';
import { beforeRequest, noteSession, resetRefreshAhead, sessionNow, stillSignedIn, useRefreshAhead } from './refresh-ahead';

// useRefreshAhead is a React effect; here its body runs directly (the module keeps one schedule per tab).
vi.mock('react', () => ({ useEffect: (run: () => void) => run() }));

const USER = { id: '1', email: 'a@example.com', name: 'A' };
const CSRF = { name: 'x-csrf', value: '1' };
type Call = { url: string; init: RequestInit | undefined };

function stubBrowser(answers: { status: number; body: unknown }[]): Call[] {
  const calls: Call[] = [];
  vi.stubGlobal('window', { addEventListener() {}, removeEventListener() {} });
  vi.stubGlobal('document', { visibilityState: 'visible', addEventListener() {}, removeEventListener() {} });
  vi.stubGlobal('fetch', async (url: string, init?: RequestInit) => {
    calls.push({ url, init });
    const answer = answers.shift() ?? { status: 200, body: { status: 'authenticated', user: USER, expiresAt: Date.now() + 3_600_000 } };
    return new Response(JSON.stringify(answer.body), { status: answer.status, headers: { 'content-type': 'application/json' } });
  });
  return calls;
}

/** Starts the schedule the way SessionProvider does; its refetch goes through sessionNow. */
function start(): void {
  const refetch = async () => {
    await sessionNow('/api/auth');
  };
  useRefreshAhead(refetch, 'authenticated', '/api/auth', CSRF);
}

describe('refresh-ahead (no shared coordinator: the browser renews)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_800_000_000_000 });
  });
  afterEach(() => {
    resetRefreshAhead();
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('renews once at refreshAt with POST /session and the anti-forgery header, then follows the next refreshAt', async () => {
    const next = Date.now() + 60_000;
    const calls = stubBrowser([{ status: 200, body: { status: 'authenticated', user: USER, expiresAt: next + 1, refreshAt: next } }]);
    start();
    noteSession({ status: 'authenticated', user: USER, expiresAt: Date.now() + 30_000, refreshAt: Date.now() + 10_000 });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(400);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.url).toBe('/api/auth/session');
    expect(calls[0]!.init).toMatchObject({ method: 'POST', credentials: 'same-origin', headers: { 'x-csrf': '1' } });
    await vi.advanceTimersByTimeAsync(49_000);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_500);
    expect(calls).toHaveLength(2);
  });

  it('makes a bffFetch wait for the renewal once refreshAt has passed (after a sleep), one renewal for many calls', async () => {
    const calls = stubBrowser([]);
    start();
    noteSession({ status: 'authenticated', user: USER, expiresAt: Date.now() + 30_000, refreshAt: Date.now() + 10_000 });
    vi.setSystemTime(Date.now() + 60_000); // the lid was closed: no timer ran
    await Promise.all([beforeRequest(), beforeRequest(), beforeRequest()]);
    expect(calls.map((c) => c.init?.method)).toEqual(['POST']);
    // Not due any more: calls go straight on.
    await beforeRequest();
    expect(calls).toHaveLength(1);
  });

  it('does nothing without refreshAt (a shared coordinator) or without a provider', async () => {
    const calls = stubBrowser([]);
    noteSession({ status: 'authenticated', user: USER, expiresAt: Date.now() + 30_000, refreshAt: Date.now() - 1 });
    await beforeRequest();
    expect(await stillSignedIn()).toBe(false);
    start();
    noteSession({ status: 'authenticated', user: USER, expiresAt: Date.now() + 30_000 });
    await vi.advanceTimersByTimeAsync(120_000);
    await beforeRequest();
    expect(calls).toEqual([]);
    await sessionNow('/api/auth');
    expect(calls.map((c) => c.init?.method ?? 'GET')).toEqual(['GET']);
  });

  it('stillSignedIn: true when the renewal says authenticated, false when it says the session ended', async () => {
    stubBrowser([{ status: 200, body: { status: 'unauthenticated' } }]);
    start();
    noteSession({ status: 'authenticated', user: USER, expiresAt: Date.now() + 30_000, refreshAt: Date.now() + 10_000 });
    expect(await stillSignedIn()).toBe(false);
    noteSession({ status: 'authenticated', user: USER, expiresAt: Date.now() + 30_000, refreshAt: Date.now() + 10_000 });
    expect(await stillSignedIn()).toBe(true);
  });

  it('bffFetch: a 401 session_expired that a concurrent response made stale is checked once and the call sent again', async () => {
    const calls = stubBrowser([
      { status: 401, body: { code: 'session_expired', message: 'ended' } },
      { status: 200, body: { status: 'authenticated', user: USER, expiresAt: Date.now() + 30_000, refreshAt: Date.now() + 10_000 } },
      { status: 200, body: { ok: true } },
    ]);
    vi.stubGlobal('location', new URL('http://app.test/notes'));
    start();
    noteSession({ status: 'authenticated', user: USER, expiresAt: Date.now() + 30_000, refreshAt: Date.now() + 10_000 });
    const res = await bffFetch('/api/backend/notes', { method: 'POST', body: '{"title":"x"}' });
    expect(res.status).toBe(200);
    expect(calls.map((c) => `${c.init?.method ?? 'GET'} ${c.url}`)).toEqual(['POST /api/backend/notes', 'POST /api/auth/session?check=expired', 'POST /api/backend/notes']);
  });

  it('bffFetch: a 401 session_expired the renewal confirms is returned as it is', async () => {
    const calls = stubBrowser([
      { status: 401, body: { code: 'session_expired', message: 'ended' } },
      { status: 200, body: { status: 'unauthenticated' } },
    ]);
    vi.stubGlobal('location', new URL('http://app.test/notes'));
    start();
    noteSession({ status: 'authenticated', user: USER, expiresAt: Date.now() + 30_000, refreshAt: Date.now() + 10_000 });
    const res = await bffFetch('/api/backend/notes');
    expect(res.status).toBe(401);
    expect(calls).toHaveLength(2);
  });

  it('holds the origin-wide Web Lock while it renews', async () => {
    const calls = stubBrowser([]);
    const held: string[] = [];
    vi.stubGlobal('navigator', {
      locks: {
        request: async (name: string, _options: unknown, run: () => Promise<unknown>) => {
          held.push(name);
          return run();
        },
      },
    });
    start();
    noteSession({ status: 'authenticated', user: USER, expiresAt: Date.now() + 30_000, refreshAt: Date.now() });
    await vi.advanceTimersByTimeAsync(500);
    expect(held).toEqual(['bffkit:session-renewal']);
    expect(calls).toHaveLength(1);
  });
});
