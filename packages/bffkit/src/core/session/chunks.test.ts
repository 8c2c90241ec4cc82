import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_CHUNKS, MAX_COOKIE_VALUE, clearCookieChunks as clearChunks, readCookieChunks, writeCookieChunks as writeChunks } from './chunks';
import { parseCookieHeader, serializeCookie, type CookieAttributes } from '../http/cookie';

// The chunk writers answer cookie values; these tests read what a browser receives: the Set-Cookie lines.
const writeCookieChunks = (...args: Parameters<typeof writeChunks>) => writeChunks(...args).map(serializeCookie);
const clearCookieChunks = (...args: Parameters<typeof clearChunks>) => clearChunks(...args).map(serializeCookie);

const ATTRS: CookieAttributes = { httpOnly: true, secure: true, sameSite: 'lax', path: '/', maxAge: 60 };
const NAME = '__Host-s';

/** Turns Set-Cookie strings into the Cookie header a browser would send next (set and cleared). */
function browserAfter(setCookies: string[], jar = new Map<string, string>()): Map<string, string[]> {
  for (const sc of setCookies) {
    const [pair] = sc.split(';');
    const eq = pair!.indexOf('=');
    const name = pair!.slice(0, eq);
    if (/Max-Age=0/.test(sc)) jar.delete(name);
    else jar.set(name, pair!.slice(eq + 1));
  }
  return parseCookieHeader([...jar].map(([n, v]) => `${n}=${v}`).join('; '));
}
const names = (setCookies: string[]) => setCookies.map((s) => s.slice(0, s.indexOf('=')));
const cleared = (setCookies: string[]) => setCookies.filter((s) => s.includes('Max-Age=0')).map((s) => s.slice(0, s.indexOf('=')));

describe('writeCookieChunks', () => {
  it('writes one plain cookie when the value fits', () => {
    const out = writeCookieChunks(NAME, 'a'.repeat(MAX_COOKIE_VALUE), ATTRS, []);
    expect(names(out)).toEqual([NAME]);
  });

  it('splits a large value into name.0..name.k of at most MAX_COOKIE_VALUE characters', () => {
    const value = 'b'.repeat(MAX_COOKIE_VALUE * 2 + 5);
    const out = writeCookieChunks(NAME, value, ATTRS, []);
    expect(names(out)).toEqual([`${NAME}.0`, `${NAME}.1`, `${NAME}.2`]);
    expect(readCookieChunks(browserAfter(out), NAME)).toEqual({ value, tampered: false, presentNames: names(out) });
  });

  it('keeps every Set-Cookie under the 4096-byte browser limit', () => {
    for (const sc of writeCookieChunks(NAME, 'c'.repeat(MAX_COOKIE_VALUE * 3), ATTRS, [])) {
      expect(sc.slice(0, sc.indexOf(';')).length).toBeLessThan(4096);
    }
  });

  it('clears stale chunks when the value shrinks back to one cookie', () => {
    const out = writeCookieChunks(NAME, 'small', ATTRS, [`${NAME}.0`, `${NAME}.1`, 'other']);
    expect(names(out)[0]).toBe(NAME);
    expect(cleared(out)).toEqual([`${NAME}.0`, `${NAME}.1`]);
  });

  it('clears the plain cookie and chunks beyond the new count when chunking', () => {
    const present = [NAME, `${NAME}.0`, `${NAME}.1`, `${NAME}.2`, `${NAME}.3`, `${NAME}x`];
    const out = writeCookieChunks(NAME, 'd'.repeat(MAX_COOKIE_VALUE + 1), ATTRS, present);
    expect(cleared(out).sort()).toEqual([NAME, `${NAME}.2`, `${NAME}.3`]);
  });

  it('clears non-canonical family members such as name.01 or name.10', () => {
    const out = writeCookieChunks(NAME, 'e', ATTRS, [`${NAME}.01`, `${NAME}.10`]);
    expect(cleared(out)).toEqual([`${NAME}.01`, `${NAME}.10`]);
  });

  it('throws RangeError instead of silently dropping a value that needs too many chunks', () => {
    expect(() => writeCookieChunks(NAME, 'f'.repeat(MAX_COOKIE_VALUE * MAX_CHUNKS + 1), ATTRS, [])).toThrow(RangeError);
    expect(() => writeCookieChunks(NAME, 'f'.repeat(MAX_COOKIE_VALUE * MAX_CHUNKS), ATTRS, [])).not.toThrow();
  });

  it('round-trips any value through a browser jar, whatever was there before (property)', () => {
    const b64 = fc.string({ unit: fc.constantFrom('A', 'z', '0', '-', '_'), maxLength: MAX_COOKIE_VALUE * 4 });
    fc.assert(
      fc.property(b64, b64, (first, second) => {
        const jar = new Map<string, string>();
        const h1 = browserAfter(writeCookieChunks(NAME, first, ATTRS, []), jar);
        const h2 = browserAfter(writeCookieChunks(NAME, second, ATTRS, h1.keys()), jar);
        expect(readCookieChunks(h2, NAME).value).toBe(second);
      }),
      { numRuns: 50 },
    );
  });
});

describe('readCookieChunks', () => {
  const read = (header: string) => readCookieChunks(parseCookieHeader(header), NAME);

  it('reads a plain cookie present exactly once', () => {
    expect(read(`a=1; ${NAME}=v`)).toEqual({ value: 'v', tampered: false, presentNames: [NAME] });
  });

  it('reports nothing when the cookie is absent', () => {
    expect(read('a=1; __Host-sx=2; __Host-s.x=3')).toEqual({ value: null, tampered: false, presentNames: [] });
  });

  it('treats a duplicated plain cookie as tampering', () => {
    expect(read(`${NAME}=a; ${NAME}=b`)).toEqual({ value: null, tampered: true, presentNames: [NAME] });
  });

  it('re-assembles contiguous chunks in index order', () => {
    expect(read(`${NAME}.1=b; ${NAME}.0=a; ${NAME}.2=c`).value).toBe('abc');
  });

  it('treats a gap in the chunks as tampering', () => {
    const r = read(`${NAME}.0=a; ${NAME}.2=c`);
    expect(r).toEqual({ value: null, tampered: true, presentNames: [`${NAME}.0`, `${NAME}.2`] });
  });

  it('treats chunks without name.0 as tampering', () => {
    expect(read(`${NAME}.1=b`).tampered).toBe(true);
  });

  it('treats a duplicated chunk as tampering', () => {
    expect(read(`${NAME}.0=a; ${NAME}.1=b; ${NAME}.1=x`).tampered).toBe(true);
  });

  it('treats a plain cookie next to chunks as tampering and lists all of them', () => {
    const r = read(`${NAME}=p; ${NAME}.0=a`);
    expect(r.tampered).toBe(true);
    expect(r.value).toBeNull();
    expect(r.presentNames.sort()).toEqual([NAME, `${NAME}.0`]);
  });

  it('treats more than MAX_CHUNKS chunks as tampering', () => {
    const header = Array.from({ length: MAX_CHUNKS + 1 }, (_, i) => `${NAME}.${i}=x`).join('; ');
    expect(read(header).tampered).toBe(true);
    const ten = Array.from({ length: MAX_CHUNKS }, (_, i) => `${NAME}.${i}=x`).join('; ');
    expect(read(ten)).toMatchObject({ value: 'x'.repeat(MAX_CHUNKS), tampered: false });
  });

  it('treats non-canonical indexes and empty chunks as tampering', () => {
    expect(read(`${NAME}.0=a; ${NAME}.01=b`).tampered).toBe(true);
    expect(read(`${NAME}.0=a; ${NAME}.1=`).tampered).toBe(true);
  });

  it('only considers the exact name family (not look-alikes)', () => {
    expect(read(`__host-s.0=a; __Host-s .0=b; __Host-s.0x=c; __Host-s..0=d`)).toEqual({ value: null, tampered: false, presentNames: [] });
  });
});

describe('clearCookieChunks', () => {
  it('clears every listed cookie once', () => {
    const out = clearCookieChunks([NAME, `${NAME}.0`, NAME], ATTRS);
    expect(out).toHaveLength(2);
    expect(out.every((s) => s.includes('Max-Age=0') && s.includes('Path=/'))).toBe(true);
  });
});
