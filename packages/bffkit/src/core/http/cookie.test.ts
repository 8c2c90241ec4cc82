import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_COOKIE_HEADER, applyCookies, cookie, cookieName, expiredCookie, parseCookieHeader, serializeCookie, type CookieAttributes } from './cookie';

const SECURE: CookieAttributes = { httpOnly: true, secure: true, sameSite: 'lax', path: '/', maxAge: 3600 };
const DEV: CookieAttributes = { httpOnly: true, secure: false, sameSite: 'strict', path: '/' };

describe('parseCookieHeader', () => {
  it('splits pairs on ";" and the first "="', () => {
    const m = parseCookieHeader('a=1; b=x=y;c=');
    expect([...m]).toEqual([
      ['a', ['1']],
      ['b', ['x=y']],
      ['c', ['']],
    ]);
  });

  it('returns an empty map for a missing or empty header', () => {
    expect(parseCookieHeader(null).size).toBe(0);
    expect(parseCookieHeader(undefined).size).toBe(0);
    expect(parseCookieHeader('').size).toBe(0);
  });

  it('keeps every value of a duplicated name, in order', () => {
    expect(parseCookieHeader('s=1; t=2; s=3').get('s')).toEqual(['1', '3']);
  });

  it('compares names exactly: case, prefixes and percent-encoding all matter', () => {
    const m = parseCookieHeader('sess=x; __host-sess=y; __Host-sess=z; %5F_Host-sess=w; __Host-sess%20=v');
    expect(m.get('__Host-sess')).toEqual(['z']);
    expect(m.get('sess')).toEqual(['x']);
    expect(m.get('__host-sess')).toEqual(['y']);
  });

  it('does not match look-alike Unicode names or names padded with non-ASCII spaces', () => {
    const m = parseCookieHeader('__Ηost-sess=greek; \u00a0__Host-sess=nbsp; __Host-sess\u200b=zw; ＿_Host-sess=wide');
    expect(m.has('__Host-sess')).toBe(false);
    expect(m.get('\u00a0__Host-sess')).toEqual(['nbsp']);
  });

  it('trims spaces and tabs around names and values', () => {
    expect(parseCookieHeader(' \ta = 1 \t;\tb=2').get('a')).toEqual(['1']);
  });

  it('strips exactly one pair of surrounding double quotes', () => {
    const m = parseCookieHeader('a="1"; b=""x""; c="; d=""');
    expect(m.get('a')).toEqual(['1']);
    expect(m.get('b')).toEqual(['"x"']);
    expect(m.get('c')).toEqual(['"']);
    expect(m.get('d')).toEqual(['']);
  });

  it('does not percent-decode values', () => {
    expect(parseCookieHeader('a=%41%3D').get('a')).toEqual(['%41%3D']);
  });

  it('ignores pairs without "=" and pairs with an empty name', () => {
    expect([...parseCookieHeader('justvalue; =x; ;; a=1').keys()]).toEqual(['a']);
  });

  it('reads an oversized header only up to the last complete pair before the cap', () => {
    const big = `a=1; pad=${'x'.repeat(MAX_COOKIE_HEADER)}; late=2`;
    const m = parseCookieHeader(big);
    expect(m.get('a')).toEqual(['1']);
    expect(m.has('pad')).toBe(false);
    expect(m.has('late')).toBe(false);
    expect(parseCookieHeader('x'.repeat(MAX_COOKIE_HEADER * 4)).size).toBe(0);
  });

  it('never throws on arbitrary input (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: fc.constantFrom(';', '=', '"', ' ', 'a', '\t') })), (h) => {
        expect(parseCookieHeader(h)).toBeInstanceOf(Map);
      }),
    );
  });
});

describe('serializeCookie', () => {
  it('writes name, value and attributes in a fixed order', () => {
    expect(serializeCookie(cookie('__Host-bffkit', 'abc-_', SECURE))).toBe(
      '__Host-bffkit=abc-_; Path=/; Max-Age=3600; HttpOnly; Secure; SameSite=Lax',
    );
  });

  it('omits Max-Age for session cookies and writes SameSite=Strict when asked', () => {
    expect(serializeCookie(cookie('bffkit', 'v', DEV))).toBe('bffkit=v; Path=/; HttpOnly; SameSite=Strict');
  });

  it('throws TypeError for names and values outside the RFC 6265 charset', () => {
    for (const name of ['', 'a b', 'a;b', 'a=b', 'é', 'a\n']) expect(() => serializeCookie(cookie(name, 'v', SECURE))).toThrow(TypeError);
    for (const value of ['a b', 'a;b', 'a,b', 'a"b', 'a\\b', 'é', 'a\r\nSet-Cookie: x=y']) {
      expect(() => serializeCookie(cookie('n', value, SECURE))).toThrow(TypeError);
    }
  });

  it('never puts the refused value in the error message', () => {
    let message = '';
    try {
      serializeCookie(cookie('n', 'secret value', SECURE));
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/invalid value/);
    expect(message).not.toContain('secret');
  });

  it('refuses a Domain, a bad path and a fractional or negative Max-Age', () => {
    expect(() => serializeCookie(cookie('n', 'v', { ...SECURE, domain: 'example.com' } as unknown as CookieAttributes))).toThrow(TypeError);
    expect(() => serializeCookie(cookie('n', 'v', { ...SECURE, path: 'x' }))).toThrow(TypeError);
    expect(() => serializeCookie(cookie('n', 'v', { ...SECURE, path: '/a;Domain=evil' }))).toThrow(TypeError);
    expect(() => serializeCookie(cookie('n', 'v', { ...SECURE, maxAge: 1.5 }))).toThrow(TypeError);
    expect(() => serializeCookie(cookie('n', 'v', { ...SECURE, maxAge: -1 }))).toThrow(TypeError);
  });

  it('refuses __Host- cookies the browser would drop (no Secure, or a path other than /)', () => {
    expect(() => serializeCookie(cookie('__Host-x', 'v', { ...SECURE, secure: false }))).toThrow(TypeError);
    expect(() => serializeCookie(cookie('__Host-x', 'v', { ...SECURE, path: '/app' }))).toThrow(TypeError);
    expect(() => serializeCookie(cookie('__Secure-x', 'v', { ...SECURE, secure: false }))).toThrow(TypeError);
  });
});

describe('clearCookie', () => {
  it('expires the cookie with the same name and path, Max-Age=0 and a past Expires', () => {
    expect(serializeCookie(expiredCookie('__Host-bffkit', SECURE))).toBe(
      '__Host-bffkit=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax',
    );
  });
});

describe('cookieName', () => {
  it('adds the __Host- prefix only in secure mode', () => {
    expect(cookieName('bffkit', true)).toBe('__Host-bffkit');
    expect(cookieName('bffkit', false)).toBe('bffkit');
  });

  it('refuses an invalid base name', () => {
    expect(() => cookieName('bad name', true)).toThrow(TypeError);
  });
});

describe('applyCookies', () => {
  const A = { httpOnly: true, secure: false, sameSite: 'lax', path: '/' } as const;
  const set = (name: string, value: string) => cookie(name, value, A);
  const del = (name: string) => expiredCookie(name, A);

  it('replaces a cookie with its new value and keeps the others in order', () => {
    expect(applyCookies('a=1; s=old; b=2', [set('s', 'new')])).toBe('a=1; b=2; s=new');
  });

  it('adds a cookie the request did not carry', () => {
    expect(applyCookies('a=1', [set('s', 'new')])).toBe('a=1; s=new');
    expect(applyCookies(null, [set('s', 'new')])).toBe('s=new');
  });

  it('removes cookies the list deletes', () => {
    expect(applyCookies('a=1; s=old', [del('s')])).toBe('a=1');
  });

  it('swaps a plain session cookie for its chunks and back', () => {
    const toChunks = applyCookies('bffkit=plain; x=1', [set('bffkit.0', 'aa'), set('bffkit.1', 'bb'), del('bffkit')]);
    expect(toChunks).toBe('x=1; bffkit.0=aa; bffkit.1=bb');
    const back = applyCookies(toChunks, [set('bffkit', 'plain2'), del('bffkit.0'), del('bffkit.1')]);
    expect(back).toBe('x=1; bffkit=plain2');
  });

  it('drops every duplicate of a rewritten name (no planted copy survives)', () => {
    expect(applyCookies('s=planted; s=old; a=1', [set('s', 'new')])).toBe('a=1; s=new');
  });

  it('keeps the other parts of the header as they came, empty parts dropped', () => {
    expect(applyCookies('a=1;; ;b=2; flag', [set('s', 'v')])).toBe('a=1; b=2; flag; s=v');
  });

  it('keeps values containing = intact', () => {
    expect(applyCookies('a=x=y', [set('s', 'b64==')])).toBe('a=x=y; s=b64==');
  });

  it('matches names exactly: a look-alike padded with a non-breaking space is not replaced', () => {
    expect(applyCookies('\u00a0s=planted; s=old', [set('s', 'new')])).toBe('\u00a0s=planted; s=new');
  });
});
