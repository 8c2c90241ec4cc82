import { beforeEach, describe, expect, it, vi } from 'vitest';
import { cookie, expiredCookie, type CookieAttributes } from '../core/http/cookie';

// The one module this file tests talks to Next's cookie jar: the jar is the mock.
const jar = { set: vi.fn(), refuse: false };
vi.mock('next/headers', () => ({
  cookies: async () => {
    if (jar.refuse) throw new Error('Cookies can only be modified in a Server Action or Route Handler.');
    return { set: jar.set };
  },
}));
const { persistCookies } = await import('./persist-cookies');

const ATTRS: CookieAttributes = { httpOnly: true, secure: true, sameSite: 'lax', path: '/' };

beforeEach(() => {
  jar.set.mockReset();
  jar.refuse = false;
});

describe('persistCookies', () => {
  it('sets each cookie through cookies().set with its name, value and attributes, nothing parsed', async () => {
    const set = cookie('__Host-bffkit', 'sealed', { ...ATTRS, maxAge: 3600 });
    const cleared = expiredCookie('__Host-bffkit.0', ATTRS);
    expect(await persistCookies([set, cleared])).toBe(true);
    expect(jar.set).toHaveBeenNthCalledWith(1, '__Host-bffkit', 'sealed', { path: '/', httpOnly: true, secure: true, sameSite: 'lax', maxAge: 3600 });
    expect(jar.set).toHaveBeenNthCalledWith(2, '__Host-bffkit.0', '', {
      path: '/',
      httpOnly: true,
      secure: true,
      sameSite: 'lax',
      maxAge: 0,
      expires: new Date(0),
    });
  });

  it('keeps SameSite=Strict and a session cookie without Max-Age as they are', async () => {
    await persistCookies([cookie('bffkit', 'v', { ...ATTRS, secure: false, sameSite: 'strict' })]);
    expect(jar.set).toHaveBeenCalledWith('bffkit', 'v', { path: '/', httpOnly: true, secure: false, sameSite: 'strict' });
  });

  it('answers true without touching the jar when there is nothing to set', async () => {
    jar.refuse = true;
    expect(await persistCookies([])).toBe(true);
    expect(jar.set).not.toHaveBeenCalled();
  });

  it('answers false instead of throwing where Next refuses cookie writes (a Server Component)', async () => {
    jar.refuse = true;
    expect(await persistCookies([cookie('bffkit', 'v', ATTRS)])).toBe(false);
  });
});
