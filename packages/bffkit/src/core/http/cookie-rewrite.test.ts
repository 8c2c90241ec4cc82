import { describe, expect, it } from 'vitest';
import { rewriteCookieHeader } from './cookie-rewrite';

describe('rewriteCookieHeader', () => {
  it('replaces a cookie with its new value and keeps the others in order', () => {
    expect(rewriteCookieHeader('a=1; s=old; b=2', ['s=new; Path=/; HttpOnly'])).toBe('a=1; b=2; s=new');
  });

  it('adds a cookie the request did not carry', () => {
    expect(rewriteCookieHeader('a=1', ['s=new; Path=/'])).toBe('a=1; s=new');
    expect(rewriteCookieHeader(null, ['s=new; Path=/'])).toBe('s=new');
  });

  it('removes cookies the Set-Cookie lines delete (Max-Age=0 or an empty value)', () => {
    expect(rewriteCookieHeader('a=1; s=old', ['s=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT'])).toBe('a=1');
    expect(rewriteCookieHeader('a=1; s=old', ['s=x; Path=/; max-age=0'])).toBe('a=1');
    expect(rewriteCookieHeader('a=1; s=old', ['s=; Path=/'])).toBe('a=1');
  });

  it('keeps a cookie whose Max-Age merely starts with 0-something else', () => {
    expect(rewriteCookieHeader('', ['s=v; Max-Age=03600'])).toBe('s=v');
  });

  it('swaps a plain session cookie for its chunks and back', () => {
    const toChunks = rewriteCookieHeader('bffkit=plain; x=1', ['bffkit.0=aa; Path=/', 'bffkit.1=bb; Path=/', 'bffkit=; Path=/; Max-Age=0']);
    expect(toChunks).toBe('x=1; bffkit.0=aa; bffkit.1=bb');
    const back = rewriteCookieHeader(toChunks, ['bffkit=plain2; Path=/', 'bffkit.0=; Path=/; Max-Age=0', 'bffkit.1=; Path=/; Max-Age=0']);
    expect(back).toBe('x=1; bffkit=plain2');
  });

  it('drops every duplicate of a rewritten name (no planted copy survives)', () => {
    expect(rewriteCookieHeader('s=planted; s=old; a=1', ['s=new; Path=/'])).toBe('a=1; s=new');
  });

  it('ignores malformed Set-Cookie lines and empty header parts', () => {
    expect(rewriteCookieHeader('a=1;; ;b=2', ['=nope', 'novalue'])).toBe('a=1; b=2');
  });

  it('keeps values containing = intact', () => {
    expect(rewriteCookieHeader('a=x=y', ['s=b64==; Path=/'])).toBe('a=x=y; s=b64==');
  });
});
