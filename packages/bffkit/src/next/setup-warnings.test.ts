import { NextRequest } from 'next/server';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { BffOptions } from '../core/config';
import { APP, SECRET, fakeBackend, fakeClock, login, recordingLogger } from '../core/testing/support';
import { PROXY_RAN_HEADER, resetSetupWarnings } from './setup-warnings';

// Next's request APIs are the only mock. `writable: false` is a Server Component: cookies().set throws.
const request = { cookie: null as string | null, extra: {} as Record<string, string>, writable: true };
vi.mock('next/headers', () => ({
  headers: async () => new Headers({ ...request.extra, ...(request.cookie ? { cookie: request.cookie } : {}) }),
  cookies: async () => ({
    set: () => {
      if (!request.writable) throw new Error('Cookies can only be modified in a Server Action or Route Handler.');
    },
  }),
}));
const { createBffNext } = await import('./create');

beforeEach(() => {
  request.cookie = null;
  request.extra = {};
  request.writable = true;
  resetSetupWarnings();
});

const UPSTREAMS = { api: { url: 'http://127.0.0.1:9', mount: '/api/backend', allow: [{ path: '/auth/me', methods: ['GET'] }], timeout: 1 } };

let configs = 0;
function setup(over: Partial<BffOptions> = {}) {
  // Each test its own core: identical options share one per process (shared-core.ts).
  const defaultReturnTo = `/setup-warnings-${++configs}`;
  const clock = fakeClock();
  const backend = fakeBackend(clock, { accessTtl: 60 });
  const logger = recordingLogger();
  const bff = createBffNext({ secret: SECRET, baseUrl: APP, backend, clock, logger, upstreams: UPSTREAMS, defaultReturnTo, ...over });
  return { bff, backend, clock, logger };
}

/** What must never be in a log line: the secret, the cookie, any token the fake backend issued. */
function expectNoSecrets(line: string, cookie: string) {
  expect(line).not.toContain(SECRET);
  expect(line).not.toContain(cookie.split('=')[1]!.slice(0, 24));
  expect(line).not.toMatch(/eyJ|access-|refresh-/);
}

describe('setup warnings of the Next binding: one line per process, with the fix, no secret', () => {
  it('a Server Component refresh that cannot be saved because no proxy.ts ran: one warning, however often', async () => {
    const { bff, backend, clock, logger } = setup();
    const { cookie } = await login(bff.core());
    request.cookie = cookie;
    request.writable = false;
    for (let i = 0; i < 3; i++) {
      clock.advance(120); // due again: nothing was saved, every request refreshes
      await bff.fetchBackend('/auth/me');
    }
    expect(backend.calls.refresh).toBeGreaterThan(0);
    const warnings = logger.lines.filter((l) => l.level === 'warn' && l.message.includes('refresh_not_persisted'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toContain('no proxy.ts ran for this request');
    expect(warnings[0]!.message).toContain('npx bffkit init');
    expectNoSecrets(warnings[0]!.message, cookie);
  });

  it('no warning when proxy.ts ran for the request, or where cookies can be written', async () => {
    const { bff, clock, logger } = setup();
    request.cookie = (await login(bff.core())).cookie;
    request.writable = false;
    request.extra = { [PROXY_RAN_HEADER]: '1' };
    clock.advance(120);
    await bff.fetchBackend('/auth/me');
    request.extra = {};
    request.writable = true;
    clock.advance(120);
    await bff.fetchBackend('/auth/me');
    expect(logger.lines.filter((l) => l.message.includes('refresh_not_persisted'))).toEqual([]);
  });

  it('proxy.ts running for an auth route: one warning naming the base path and the matcher fix; pages log nothing', async () => {
    const { bff, logger } = setup();
    const { cookie } = await login(bff.core());
    const proxy = bff.proxy({ protectedPaths: ['/profile'] });
    // A page, and the bare prefix (the README's matcher covers it so the guard sees Server Action posts there).
    for (const path of ['/profile', '/api/auth', '/api/authors']) await proxy(new NextRequest(`${APP}${path}`, { headers: { cookie } }));
    const setupLines = () => logger.lines.filter((l) => l.level === 'warn' && /logged once per process/.test(l.message));
    expect(setupLines()).toEqual([]);
    for (const path of ['/api/auth/session', '/api/auth/login', '/api/auth/session']) await proxy(new NextRequest(`${APP}${path}`, { headers: { cookie } }));
    const warnings = setupLines();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toContain("proxy.ts runs for bffkit's auth routes (its matcher covers /api/auth/...)");
    expect(warnings[0]!.message).toContain("matcher: ['/((?!_next/static/|_next/image|api/auth/|api/backend/).*)']");
    expectNoSecrets(warnings[0]!.message, cookie);
  });
});

describe('the README lib/bff.ts without BFF_SECRET', () => {
  it('reaches bffkit\'s own message: one console line naming BFF_SECRET and the command, no doubled prefix', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const env: Record<string, string | undefined> = { APP_URL: APP, BACKEND_URL: 'http://127.0.0.1:4000' };
      const backend = fakeBackend(fakeClock());
      const bff = createBffNext(() => ({ secret: env.BFF_SECRET, baseUrl: env.APP_URL, backend }));
      const res = await bff.authRoutes.GET(new Request(`${APP}/api/auth/session`));
      expect(res.status).toBe(500);
      expect(error).toHaveBeenCalledTimes(1);
      const line = String(error.mock.calls[0]![0]);
      expect(line).toBe('[bffkit] invalid configuration: `secret` is missing: set BFF_SECRET to a random string of at least 32 characters (`openssl rand -base64 32`)');
      // A short one: the same single prefix, the fix, and not the value.
      error.mockClear();
      env.BFF_SECRET = 'ten-chars!';
      const short = createBffNext(() => ({ secret: env.BFF_SECRET, baseUrl: env.APP_URL, backend }));
      await short.authRoutes.GET(new Request(`${APP}/api/auth/session`));
      const shortLine = String(error.mock.calls[0]![0]);
      expect(shortLine).toMatch(/^\[bffkit\] invalid configuration: `secret` must be at least 32 characters long: set BFF_SECRET to `openssl rand -base64 32`$/);
      expect(shortLine).not.toContain('ten-chars');
    } finally {
      error.mockRestore();
    }
  });

  it('a comma-separated BFF_SECRET is a rotation list: a cookie sealed with the old secret still opens', async () => {
    const OLD = 'an-older-secret-of-at-least-32-characters!!';
    const oldBff = setup({ secret: OLD });
    const { cookie } = await login(oldBff.bff.core());
    request.cookie = cookie;
    const rotated = setup({ secret: `${SECRET},${OLD}` });
    expect(rotated.bff.core().config.secrets).toEqual([SECRET, OLD]);
    expect((await rotated.bff.getSession()).status).toBe('authenticated');
  });
});
