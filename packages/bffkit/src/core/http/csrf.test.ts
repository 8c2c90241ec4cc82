import { describe, expect, it } from 'vitest';
import { checkCsrf, isSafeMethod, type CsrfOptions } from './csrf';

const OPTS: CsrfOptions = { headerName: 'x-csrf', headerValue: '1', appOrigin: 'https://app.example.com' };
const APP = OPTS.appOrigin;

function req(headers: Record<string, string>, method = 'POST'): Request {
  return new Request('https://app.example.com/api/auth/logout', { method, headers });
}
const header = (h: Record<string, string>) => checkCsrf(req(h), OPTS, 'header');
const form = (h: Record<string, string>) => checkCsrf(req(h), OPTS, 'form');
const code = (r: ReturnType<typeof checkCsrf>) => (r.ok ? 'ok' : r.code);

describe('checkCsrf in header mode', () => {
  it('accepts a same-origin browser fetch with the header', () => {
    expect(header({ 'x-csrf': '1', origin: APP, 'sec-fetch-site': 'same-origin' })).toEqual({ ok: true });
  });

  it('accepts a non-browser client that sends the header but no Origin or Fetch Metadata', () => {
    expect(header({ 'x-csrf': '1' })).toEqual({ ok: true });
  });

  it('matches the header name case-insensitively but the value exactly', () => {
    expect(code(header({ 'X-CSRF': '1', origin: APP }))).toBe('ok');
    expect(code(header({ 'x-csrf': 'true', origin: APP }))).toBe('csrf_failed');
    expect(code(header({ 'x-csrf': ' 1x', origin: APP }))).toBe('csrf_failed');
  });

  it('fails with csrf_failed when the header is missing', () => {
    const r = header({ origin: APP, 'sec-fetch-site': 'same-origin' });
    expect(r).toEqual({ ok: false, code: 'csrf_failed', message: expect.any(String) });
  });

  it('fails when the header is sent twice (joined values never match)', () => {
    const h = new Headers({ origin: APP });
    h.append('x-csrf', '1');
    h.append('x-csrf', '1');
    expect(code(checkCsrf(new Request('https://app.example.com/', { method: 'POST', headers: h }), OPTS, 'header'))).toBe('csrf_failed');
  });

  it('refuses Sec-Fetch-Site cross-site even with the header and a matching Origin', () => {
    expect(code(header({ 'x-csrf': '1', origin: APP, 'sec-fetch-site': 'cross-site' }))).toBe('forbidden_origin');
  });

  it('refuses Sec-Fetch-Site same-site: a sibling subdomain is not the app', () => {
    expect(code(header({ 'x-csrf': '1', 'sec-fetch-site': 'same-site' }))).toBe('forbidden_origin');
  });

  it('refuses unknown Sec-Fetch-Site values (fail closed)', () => {
    expect(code(header({ 'x-csrf': '1', origin: APP, 'sec-fetch-site': 'same-origin, cross-site' }))).toBe('forbidden_origin');
  });

  it('refuses foreign, look-alike and opaque origins', () => {
    for (const origin of ['https://evil.com', 'https://app.example.com.evil.com', 'null', 'http://app.example.com',
      'https://app.example.com:8443', 'https://sub.app.example.com', 'https://app.example.com/', '']) {
      expect(code(header({ 'x-csrf': '1', origin }))).toBe('forbidden_origin');
    }
  });

  it('compares the origin case-insensitively (scheme and host are case-insensitive)', () => {
    expect(code(header({ 'x-csrf': '1', origin: 'HTTPS://App.Example.COM' }))).toBe('ok');
  });

  it('refuses a request without Origin whose Fetch Metadata is not same-origin', () => {
    expect(code(header({ 'x-csrf': '1', 'sec-fetch-site': 'none' }))).toBe('forbidden_origin');
    expect(code(header({ 'x-csrf': '1', 'sec-fetch-site': 'same-origin' }))).toBe('ok');
  });

  it('reports the origin problem before the header problem', () => {
    expect(code(header({ origin: 'https://evil.com' }))).toBe('forbidden_origin');
  });

  it('never echoes the request origin in the message', () => {
    const r = header({ 'x-csrf': '1', origin: 'https://evil.com' });
    expect(r.ok || r.message.includes('evil')).toBe(false);
  });
});

describe('checkCsrf in form mode', () => {
  it('accepts a same-origin form post without the custom header', () => {
    expect(form({ origin: APP, 'sec-fetch-site': 'same-origin' })).toEqual({ ok: true });
  });

  it('accepts a user-initiated (Sec-Fetch-Site: none) post whose Origin matches', () => {
    expect(code(form({ origin: APP, 'sec-fetch-site': 'none' }))).toBe('ok');
  });

  it('requires an Origin header', () => {
    expect(code(form({}))).toBe('forbidden_origin');
    expect(code(form({ 'sec-fetch-site': 'same-origin' }))).toBe('forbidden_origin');
  });

  it('refuses a cross-site form post and a foreign Origin', () => {
    expect(code(form({ origin: APP, 'sec-fetch-site': 'cross-site' }))).toBe('forbidden_origin');
    expect(code(form({ origin: 'https://evil.com' }))).toBe('forbidden_origin');
    expect(code(form({ origin: 'null' }))).toBe('forbidden_origin');
  });
});

describe('isSafeMethod', () => {
  it('treats GET, HEAD and OPTIONS as safe', () => {
    for (const m of ['GET', 'HEAD', 'OPTIONS']) expect(isSafeMethod(m)).toBe(true);
  });

  it('treats every other method, and odd spellings, as unsafe', () => {
    for (const m of ['POST', 'PUT', 'PATCH', 'DELETE', 'get', 'Get', 'TRACE', 'CONNECT', '']) expect(isSafeMethod(m)).toBe(false);
  });
});
