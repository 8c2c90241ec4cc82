import { describe, expect, it } from 'vitest';
import type { GuardDecision } from './page-guard';
import { APP, get, isClearing, login, testBff } from '../testing/support';
import { pageUrl } from './page-guard';

const RULES = { protectedPaths: ['/profile', '/notes', '/api/backend'] };

function redirect(d: GuardDecision) {
  if (d.type !== 'redirect') throw new Error(`expected a redirect, got ${d.type}`);
  return d;
}
function cont(d: GuardDecision) {
  if (d.type !== 'continue') throw new Error(`expected continue, got ${d.type}`);
  return d;
}
async function respond(d: GuardDecision) {
  if (d.type !== 'respond') throw new Error(`expected respond, got ${d.type}`);
  return { response: d.response, body: (await d.response.clone().json()) as { code: string } };
}

describe('guardRequest: anonymous requests', () => {
  it('redirects a protected page to the login page with returnTo, on the configured origin', async () => {
    const { bff } = testBff();
    const d = redirect(await bff.guard(get('/profile?tab=1'), RULES));
    expect(d.location).toBe(`${APP}/login?returnTo=%2Fprofile%3Ftab%3D1`);
    expect(d.cookies).toEqual([]);
  });

  it('builds the redirect from configuration, never from the Host header', async () => {
    const { bff } = testBff();
    const req = new Request('http://evil.example/notes', { headers: { host: 'evil.example', 'x-forwarded-host': 'evil.example' } });
    expect(redirect(await bff.guard(req, RULES)).location).toBe(`${APP}/login?returnTo=%2Fnotes`);
  });

  it('falls back to the default returnTo when the path itself is not a safe one', async () => {
    const { bff } = testBff();
    const d = redirect(await bff.guard(new Request(`${APP}//evil.example/x`), { protectedPaths: ['/'] }));
    expect(d.location).toBe(`${APP}/login?returnTo=%2F`);
  });

  it('answers a protected API with 401 JSON, never a redirect', async () => {
    const { bff } = testBff();
    const { response, body } = await respond(await bff.guard(get('/api/backend/notes'), RULES));
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(body.code).toBe('unauthenticated');
  });

  it('protects path segments, not string prefixes', async () => {
    const { bff } = testBff();
    expect((await bff.guard(get('/notes/42'), RULES)).type).toBe('redirect');
    expect((await bff.guard(get('/notesX'), RULES)).type).toBe('continue');
    expect((await bff.guard(get('/profiles'), RULES)).type).toBe('continue');
  });

  it('lets a public page without our cookie through without reading anything', async () => {
    const { bff, clock } = testBff();
    const before = clock.reads;
    expect(await bff.guard(get('/', { cookie: 'theme=dark' }), RULES)).toEqual({ type: 'continue', cookies: [] });
    expect(await bff.guard(get('/about'), RULES)).toEqual({ type: 'continue', cookies: [] });
    expect(clock.reads).toBe(before);
  });

  it('never touches the auth routes themselves', async () => {
    const { bff, clock } = testBff({ basePath: '/api/auth' });
    const before = clock.reads;
    expect(await bff.guard(get('/api/auth/session', { cookie: 'bffkit=x' }), { protectedPaths: ['/api'] })).toEqual({ type: 'continue', cookies: [] });
    expect(clock.reads).toBe(before);
  });

  it('clears a bad cookie on a public page and hides it from the rest of the request', async () => {
    const { bff } = testBff();
    const d = cont(await bff.guard(get('/', { cookie: 'a=1; bffkit=garbage' }), RULES));
    expect(d.cookies.every(isClearing)).toBe(true);
    expect(d.requestCookie).toBe('a=1');
  });

  it('redirects a protected page with a bad cookie and clears it', async () => {
    const { bff } = testBff();
    const d = redirect(await bff.guard(get('/profile', { cookie: 'bffkit=garbage' }), RULES));
    expect(d.cookies).toHaveLength(1);
    expect(isClearing(d.cookies[0]!)).toBe(true);
  });
});

describe('guardRequest: signed-in requests', () => {
  it('lets a live session through untouched when nothing is due', async () => {
    const { bff } = testBff();
    const { cookie } = await login(bff);
    expect(await bff.guard(get('/profile', { cookie }), RULES)).toEqual({ type: 'continue', cookies: [] });
  });

  it('refreshes a due token and rewrites the request cookie so this request sees the refreshed session', async () => {
    const { bff, backend, clock } = testBff();
    const { cookie } = await login(bff);
    const old = await bff.loadSession(cookie, 'never');
    clock.advance(300);
    const d = cont(await bff.guard(get('/profile', { cookie: `theme=dark; ${cookie}` }), RULES));
    expect(backend.calls.refresh).toBe(1);
    expect(d.cookies).toHaveLength(1);
    expect(d.requestCookie).toMatch(/^theme=dark; bffkit=/);
    expect(d.requestCookie).not.toContain(cookie);
    const seen = await bff.loadSession(d.requestCookie!, 'never');
    expect(seen.kind).toBe('active');
    expect(seen.kind === 'active' && old.kind === 'active' && seen.session.tokens.accessToken !== old.session.tokens.accessToken).toBe(true);
    expect((await bff.readSession(d.requestCookie!)).status).toBe('authenticated');
    expect(backend.calls.refresh).toBe(1);
  });

  it('answers a protected API whose refresh token was rejected with 401 session_expired and clears the cookie', async () => {
    const { bff, backend, clock } = testBff();
    const { cookie } = await login(bff);
    clock.advance(300);
    backend.nextRefresh.push({ ok: false, reason: 'rejected' });
    const { response, body } = await respond(await bff.guard(get('/api/backend/notes', { cookie }), RULES));
    expect(response.status).toBe(401);
    expect(body.code).toBe('session_expired');
    expect(response.headers.getSetCookie().every(isClearing)).toBe(true);
  });

  it('sends a protected page whose refresh token was rejected to the login page, clearing the cookie', async () => {
    const { bff, backend, clock } = testBff();
    const { cookie } = await login(bff);
    clock.advance(300);
    backend.nextRefresh.push({ ok: false, reason: 'rejected' });
    const d = redirect(await bff.guard(get('/notes', { cookie }), RULES));
    expect(d.cookies.every(isClearing)).toBe(true);
  });

  it('keeps the session when the backend is down: pages render, protected APIs get 502', async () => {
    const { bff, backend, clock } = testBff();
    const { cookie } = await login(bff);
    clock.advance(300);
    backend.nextRefresh.push({ ok: false, reason: 'unavailable' }, { ok: false, reason: 'unavailable' });
    expect(await bff.guard(get('/profile', { cookie }), RULES)).toEqual({ type: 'continue', cookies: [] });
    const { response, body } = await respond(await bff.guard(get('/api/backend/notes', { cookie }), RULES));
    expect(response.status).toBe(502);
    expect(body.code).toBe('upstream_unavailable');
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('ignores a spoofed x-middleware-subrequest header', async () => {
    const { bff } = testBff();
    const req = get('/profile', { headers: { 'x-middleware-subrequest': 'middleware:middleware:middleware:middleware:middleware' } });
    expect((await bff.guard(req, RULES)).type).toBe('redirect');
  });
});

describe('guardRequest: protected paths that need a sign-in level', () => {
  const LEVELS = { protectedPaths: [{ path: '/billing', acr: 'urn:bffkit:acr:mfa' }, { path: '/api/pay', maxAge: 60 }, '/profile'] };

  it('sends a weaker session on a page through the step-up sign-in, with a real redirect', async () => {
    const { bff } = testBff();
    const { cookie } = await login(bff);
    const d = redirect(await bff.guard(get('/billing/2026?x=1', { cookie }), LEVELS));
    const location = new URL(d.location);
    expect(location.origin).toBe(APP);
    expect(location.pathname).toBe('/login');
    expect(Object.fromEntries(location.searchParams)).toEqual({ returnTo: '/billing/2026?x=1', reauth: '1' });
    expect(d.cookies).toEqual([]);
    // Other protected paths need a session only.
    expect(await bff.guard(get('/profile', { cookie }), LEVELS)).toEqual({ type: 'continue', cookies: [] });
  });

  it('answers an API whose sign-in is too old with 401 step_up_required, the session kept', async () => {
    const { bff, clock } = testBff();
    const { cookie } = await login(bff);
    expect(await bff.guard(get('/api/pay', { cookie }), LEVELS)).toEqual({ type: 'continue', cookies: [] });
    clock.advance(61);
    const { response, body } = await respond(await bff.guard(get('/api/pay', { cookie }), LEVELS));
    expect(response.status).toBe(401);
    expect(body).toMatchObject({ code: 'step_up_required', acrValues: [], maxAge: 60, signIn: 'form' });
    expect((await bff.readSession(cookie)).status).toBe('authenticated');
  });

  it('sends anonymous visitors of such a path to the login page like any protected path', async () => {
    const { bff } = testBff();
    const d = redirect(await bff.guard(get('/billing'), LEVELS));
    expect(new URL(d.location).searchParams.get('reauth')).toBeNull();
  });
});

describe('guardRequest on raw URLs (skipProxyUrlNormalize)', () => {
  it('treats a Pages Router data request as its page, so protection still applies', async () => {
    const { bff } = testBff();
    const d = await bff.guard(get('/_next/data/build-1/notes/42.json'), RULES);
    expect(d.type).toBe('redirect');
    if (d.type === 'redirect') expect(d.location).toBe(`${APP}/login?returnTo=%2Fnotes%2F42`);
    expect(pageUrl(new URL(`${APP}/_next/data/b/index.json`)).pathname).toBe('/');
  });

  it("keeps Next's _rsc parameter out of returnTo", async () => {
    const { bff } = testBff();
    const d = await bff.guard(get('/notes?tab=2&_rsc=abc123'), RULES);
    expect(d.type === 'redirect' && d.location).toBe(`${APP}/login?returnTo=%2Fnotes%3Ftab%3D2`);
  });
});

describe('guardRequest: prefetches never refresh (docs/multi-instance.md)', () => {
  it('answers a prefetch with a due token 204 without a backend call; the navigation itself refreshes', async () => {
    const { bff, backend, clock } = testBff();
    const { cookie } = await login(bff);
    clock.advance(299); // no shared coordinator: due 1 s before expiry
    const variants: Record<string, string>[] = [{ 'next-router-prefetch': '1', rsc: '1' }, { 'sec-purpose': 'prefetch' }, { purpose: 'prefetch' }, { 'sec-purpose': 'prefetch;prerender' }];
    for (const headers of variants) {
      const d = await bff.guard(get('/profile', { cookie, headers }), RULES);
      if (d.type !== 'respond') throw new Error(`expected respond, got ${d.type}`);
      expect(d.response.status).toBe(204);
      expect(d.response.headers.get('cache-control')).toMatch(/private/);
      expect(d.response.headers.getSetCookie()).toEqual([]);
    }
    expect(backend.calls.refresh).toBe(0);
    const navigation = cont(await bff.guard(get('/profile', { cookie, headers: { rsc: '1' } }), RULES));
    expect(navigation.cookies).toHaveLength(1);
    expect(backend.calls.refresh).toBe(1);
  });

  it('lets a prefetch with a token still in use through as usual', async () => {
    const { bff, backend, clock } = testBff();
    const { cookie } = await login(bff);
    clock.advance(270); // past the skew, but no shared coordinator: still used as it is
    expect(await bff.guard(get('/profile', { cookie, headers: { 'next-router-prefetch': '1' } }), RULES)).toEqual({ type: 'continue', cookies: [] });
    expect(backend.calls.refresh).toBe(0);
  });
});
