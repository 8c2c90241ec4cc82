import { describe, expect, it } from 'vitest';
import { NextRequest } from 'next/server';
import { APP, login, testBff } from '../core/testing/support';
import { memoryRefreshCoordinator } from '../core/stores/memory-refresh-coordinator';
import { makeProxy, SESSION_ENDED_HEADER } from './proxy';

const RULES = { protectedPaths: ['/profile', '/api/backend'] };

/** `shared`: a refresh coordinator shared by every instance (the Redis one), as in store mode. */
function setup(shared = false) {
  const coordinator = { ...memoryRefreshCoordinator(), shared };
  const t = testBff({ refresh: { coordinator } }, { accessTtl: 60 });
  return { ...t, proxy: makeProxy(() => t.bff, RULES) };
}

const request = (path: string, cookie?: string, headers: Record<string, string> = {}) =>
  new NextRequest(`${APP}${path}`, { headers: { ...headers, ...(cookie ? { cookie } : {}) } });

describe('makeProxy: turning the core decision into Next responses', () => {
  it('redirects an anonymous page request with 307 and a private no-store answer', async () => {
    const { proxy } = setup();
    const res = await proxy(request('/profile?tab=1'));
    expect(res.status).toBe(307);
    expect(res.headers.get('location')).toBe(`${APP}/login?returnTo=%2Fprofile%3Ftab%3D1`);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
  });

  it('answers an anonymous API request with the core 401 JSON, never a redirect', async () => {
    const { proxy } = setup();
    const res = await proxy(request('/api/backend/notes'));
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toBe('unauthenticated');
  });

  it('lets a live session through untouched: no Set-Cookie, the request only marked as seen by proxy.ts', async () => {
    const { bff, proxy } = setup();
    const { cookie } = await login(bff);
    const res = await proxy(request('/profile', cookie));
    expect(res.headers.get('x-middleware-next')).toBe('1');
    expect(res.headers.getSetCookie()).toEqual([]);
    // The one request header proxy.ts adds: its mark (setup-warnings.ts); the cookie is passed as it came.
    expect(res.headers.get('x-middleware-override-headers')).toBe('cookie,x-bffkit-proxy');
    expect(res.headers.get('x-middleware-request-x-bffkit-proxy')).toBe('1');
    expect(res.headers.get('x-middleware-request-cookie')).toBe(cookie);
    expect(res.headers.get('cache-control')).toBeNull();
  });

  it('after a refresh, sets the new cookie AND rewrites this request so Server Components see it', async () => {
    const { bff, proxy, clock, backend } = setup();
    const { cookie } = await login(bff);
    clock.advance(60);
    const res = await proxy(request('/profile', `theme=dark; ${cookie}`));
    expect(backend.calls.refresh).toBe(1);
    const lines = res.headers.getSetCookie();
    expect(lines).toHaveLength(1);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(res.headers.get('x-middleware-override-headers')).toBe('cookie,x-bffkit-proxy');
    const rewritten = res.headers.get('x-middleware-request-cookie')!;
    expect(rewritten).toBe(`theme=dark; ${lines[0]!.split(';')[0]}`);
    expect((await bff.readSession(rewritten)).status).toBe('authenticated');
  });

  it('clears a tampered cookie from the response and from the request it passes on', async () => {
    const { proxy } = setup();
    const res = await proxy(request('/', 'a=1; bffkit=garbage'));
    expect(res.headers.getSetCookie()[0]).toMatch(/^bffkit=; Path=\/; Max-Age=0/);
    expect(res.headers.get('x-middleware-request-cookie')).toBe('a=1');
  });

  it('lets a Server Action through to a protected page without a session (no 307 the client cannot read)', async () => {
    const { proxy } = setup();
    const action = new NextRequest(`${APP}/profile`, { method: 'POST', headers: { 'next-action': 'abc123', 'content-type': 'text/plain' }, body: '[]' });
    const res = await proxy(action);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-middleware-next')).toBe('1');
    // A page request without Next-Action is still redirected.
    expect((await proxy(request('/profile'))).status).toBe(307);
  });

  it('marks the request it lets through when it just ended the session (refresh rejected), and drops a forged mark', async () => {
    const { bff, proxy, clock, backend } = setup(true);
    const { cookie } = await login(bff);
    clock.advance(60);
    backend.nextRefresh.push({ ok: false, reason: 'rejected' });
    const res = await proxy(request('/', cookie));
    expect(res.headers.getSetCookie()[0]).toMatch(/^bffkit=; Path=\/; Max-Age=0/);
    expect(res.headers.get('x-middleware-request-x-bffkit-session-ended')).toBe('1');
    expect(res.headers.get('x-middleware-request-cookie')).toBeNull();

    const forged = await proxy(request('/', undefined, { [SESSION_ENDED_HEADER]: '1' }));
    // The request's headers are replaced by a set without it.
    expect(forged.headers.get('x-middleware-override-headers')).not.toBeNull();
    expect(forged.headers.get('x-middleware-override-headers')).not.toContain(SESSION_ENDED_HEADER);
    expect(forged.headers.get(`x-middleware-request-${SESSION_ENDED_HEADER}`)).toBeNull();
  });

  it('lets a Server Action through after ending the session too: cookie cleared on both sides, request marked', async () => {
    const { bff, proxy, clock, backend } = setup(true);
    const { cookie } = await login(bff);
    clock.advance(60);
    backend.nextRefresh.push({ ok: false, reason: 'rejected' });
    const action = new NextRequest(`${APP}/profile`, { method: 'POST', headers: { cookie: `a=1; ${cookie}`, 'next-action': 'abc123' }, body: '[]' });
    const res = await proxy(action);
    expect(res.headers.get('x-middleware-next')).toBe('1');
    expect(res.headers.getSetCookie()[0]).toMatch(/^bffkit=; Path=\/; Max-Age=0/);
    expect(res.headers.get('x-middleware-request-cookie')).toBe('a=1');
    expect(res.headers.get('x-middleware-request-x-bffkit-session-ended')).toBe('1');
  });

  it('without a shared coordinator, marks the request but leaves the cookie (another instance may have replaced it)', async () => {
    const { bff, proxy, clock, backend } = setup();
    const { cookie } = await login(bff);
    clock.advance(60);
    backend.nextRefresh.push({ ok: false, reason: 'rejected' });
    const res = await proxy(request('/', cookie));
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(res.headers.get('x-middleware-request-x-bffkit-session-ended')).toBe('1');
  });
});
