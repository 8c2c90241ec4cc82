import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseClientSession, requestSession, requestSignIn, requestSignOut } from './session-api';

const csrf = { name: 'x-csrf', value: '1' };
const user = { id: '1', email: 'demo@example.com', name: 'Demo User' };
const credentials = { email: 'demo@example.com', password: 'demo-password' };

function stubFetch(status: number, body: string | null, contentType = 'application/json') {
  const calls: { input: RequestInfo | URL; init: RequestInit | undefined }[] = [];
  vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ input, init });
    return new Response(body, { status, headers: { 'content-type': contentType } });
  });
  return calls;
}

afterEach(() => vi.unstubAllGlobals());

describe('parseClientSession', () => {
  it('accepts both session shapes', () => {
    expect(parseClientSession({ status: 'unauthenticated' })).toEqual({ status: 'unauthenticated' });
    expect(parseClientSession({ status: 'authenticated', user, expiresAt: 5 })).toEqual({
      status: 'authenticated',
      user,
      expiresAt: 5,
    });
  });

  it('keeps refreshAt (when the browser renews), and drops one that is not a finite number', () => {
    expect(parseClientSession({ status: 'authenticated', user, expiresAt: 5, refreshAt: 4 })).toEqual({ status: 'authenticated', user, expiresAt: 5, refreshAt: 4 });
    for (const refreshAt of ['4', null, Number.NaN, {}]) {
      expect(parseClientSession({ status: 'authenticated', user, expiresAt: 5, refreshAt })).toEqual({ status: 'authenticated', user, expiresAt: 5 });
    }
  });

  it('turns a numeric user id into a string', () => {
    const parsed = parseClientSession({ status: 'authenticated', user: { id: 7 }, expiresAt: 5 });
    expect(parsed).toEqual({ status: 'authenticated', user: { id: '7' }, expiresAt: 5 });
  });

  it.each([null, 'x', {}, { status: 'authenticated', user }, { status: 'authenticated', user: {}, expiresAt: 1 }, { status: 'authenticated', user, expiresAt: '1' }])(
    'rejects %j',
    (body) => expect(parseClientSession(body)).toBeNull(),
  );
});

describe('requestSignIn', () => {
  it('posts JSON with the anti-forgery header and same-origin credentials', async () => {
    const calls = stubFetch(200, JSON.stringify({ status: 'authenticated', user, expiresAt: 9, redirectTo: '/notes' }));
    await requestSignIn('/api/auth', csrf, { ...credentials, returnTo: '/notes' });
    const { input, init } = calls[0]!;
    expect(input).toBe('/api/auth/login');
    expect(init?.method).toBe('POST');
    expect(init?.credentials).toBe('same-origin');
    const headers = new Headers(init?.headers);
    expect(headers.get('x-csrf')).toBe('1');
    expect(headers.get('content-type')).toBe('application/json');
    expect(JSON.parse(String(init?.body))).toEqual({ ...credentials, returnTo: '/notes' });
  });

  it('leaves out an empty returnTo', async () => {
    const calls = stubFetch(200, JSON.stringify({ status: 'authenticated', user, expiresAt: 9, redirectTo: '/profile' }));
    await requestSignIn('/api/auth', csrf, { ...credentials, returnTo: '' });
    expect(JSON.parse(String(calls[0]?.init?.body))).toEqual(credentials);
  });

  it('returns the session and the redirect on success', async () => {
    stubFetch(200, JSON.stringify({ status: 'authenticated', user, expiresAt: 9, redirectTo: '/notes' }));
    expect(await requestSignIn('/api/auth', csrf, credentials)).toEqual({
      ok: true,
      session: { status: 'authenticated', user, expiresAt: 9 },
      redirectTo: '/notes',
    });
  });

  it.each(['//evil.test', 'https://evil.test', '/\\evil.test', undefined])('never redirects to %s', async (redirectTo) => {
    stubFetch(200, JSON.stringify({ status: 'authenticated', user, expiresAt: 9, redirectTo }));
    const outcome = await requestSignIn('/api/auth', csrf, credentials);
    expect(outcome.ok && outcome.redirectTo).toBe('/');
  });

  it('returns the server’s code and message on failure', async () => {
    stubFetch(401, JSON.stringify({ code: 'login_failed', message: 'Invalid email or password.' }));
    expect(await requestSignIn('/api/auth', csrf, credentials)).toEqual({
      ok: false,
      code: 'login_failed',
      message: 'Invalid email or password.',
    });
  });

  it('reports network_error when the body is not JSON', async () => {
    stubFetch(502, '<html>Bad gateway</html>', 'text/html');
    const outcome = await requestSignIn('/api/auth', csrf, credentials);
    expect(outcome).toMatchObject({ ok: false, code: 'network_error' });
  });

  it('reports network_error when fetch itself fails', async () => {
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch');
    });
    expect(await requestSignIn('/api/auth', csrf, credentials)).toMatchObject({ ok: false, code: 'network_error' });
  });
});

describe('requestSession', () => {
  it('asks without caching', async () => {
    const calls = stubFetch(200, JSON.stringify({ status: 'unauthenticated' }));
    expect(await requestSession('/api/auth')).toEqual({ status: 'unauthenticated' });
    expect(calls[0]?.input).toBe('/api/auth/session');
    expect(calls[0]?.init?.cache).toBe('no-store');
    expect(calls[0]?.init?.credentials).toBe('same-origin');
  });

  it('treats 401 as signed out and a 5xx as unknown', async () => {
    stubFetch(401, '{}');
    expect(await requestSession('/api/auth')).toEqual({ status: 'unauthenticated' });
    stubFetch(503, '{"code":"store_unavailable","message":"x"}');
    expect(await requestSession('/api/auth')).toBeNull();
  });
});

describe('requestSignOut', () => {
  it('posts with the anti-forgery header and reports whether the server confirmed', async () => {
    const calls = stubFetch(200, '{"status":"unauthenticated"}');
    expect(await requestSignOut('/api/auth', csrf)).toEqual({ confirmed: true });
    expect(calls[0]?.input).toBe('/api/auth/logout');
    expect(calls[0]?.init?.method).toBe('POST');
    expect(new Headers(calls[0]?.init?.headers).get('x-csrf')).toBe('1');
    stubFetch(403, '{"code":"csrf_failed","message":"x"}');
    expect(await requestSignOut('/api/auth', csrf)).toEqual({ confirmed: false });
  });

  it('passes on an identity provider logout URL, and nothing that is not an absolute http(s) URL', async () => {
    stubFetch(200, '{"status":"unauthenticated","redirectTo":"https://idp.example/logout?x=1"}');
    expect(await requestSignOut('/api/auth', csrf)).toEqual({ confirmed: true, redirectTo: 'https://idp.example/logout?x=1' });
    stubFetch(200, '{"status":"unauthenticated","redirectTo":"javascript:alert(1)"}');
    expect(await requestSignOut('/api/auth', csrf)).toEqual({ confirmed: true });
  });
});
