import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildUpstreamUrl, resolveUpstreamPath } from './path';
import { canonicalPath } from './path-syntax';
import { resolveUpstream } from './upstream';

const upstream = resolveUpstream('api', {
  url: 'http://127.0.0.1:4000',
  mount: '/api/backend',
  allow: [
    { path: '/notes', methods: ['GET', 'POST', 'PATCH', 'DELETE'] },
    { path: '/notes/archive', methods: ['GET'] },
    { path: '/auth/me', methods: ['GET'] },
    { path: '/users', methods: ['GET'] },
  ],
});
const withBase = resolveUpstream('v1', { url: 'https://api.example.com/v1/', mount: '/api/x', allow: [{ path: '/', methods: ['GET'] }] });

const get = (raw: string) => resolveUpstreamPath(raw, upstream, 'GET');

describe('resolveUpstreamPath: traversal and encoding tricks are 400 invalid_request', () => {
  const attacks = [
    '/notes/..%2fadmin', '/notes/..%2Fadmin', '/notes/%2e%2e/admin', '/notes/%2E%2E/admin', '/notes/.%2e/admin',
    '/notes/%2e/x', '/notes/..%5cadmin', '/notes/..%5Cadmin', '/notes/a%5cb', '/notes/%252e%252e/admin',
    '/notes/%252fadmin', '/notes/%25', '/notes/..', '/notes/../auth/me', '/notes/./1', '/notes/.', '/notes/...',
    '/notes/..;/admin', '/notes/..%3b/admin', '/notes/%2e%2e%3bjsessionid=1/x', '/notes//1', '//evil.example/notes',
    '//notes', '/notes\\..\\admin', '/notes\\x', '/notes/%00', '/notes/a%00b', '/notes/\u0000', '/notes/a%0d%0aSet-Cookie:x',
    '/notes/a%09b', '/notes/%7f', '/notes/%c2%85', '/notes/\u007f', '/notes/a b', '/notes/caf\u00e9', '/notes/%zz',
    '/notes/%', '/notes/%2', '/notes/%C0%AF', '/notes/%c0%ae%c0%ae/x', '/notes/%ef%bc%8e%ef%bc%8e/admin',
    '/notes/%ef%bc%8fadmin', '/notes/%ef%bc%bcadmin', '/notes/%ef%bc%85', 'http://evil.example/notes',
    'https:/notes', 'notes', '@evil.example/notes', 'javascript:alert(1)', `/notes/${'a'.repeat(5000)}`,
    '/notes/%2e%2e%20/x', '/notes/. ./x',
  ];
  it.each(attacks)('rejects %j', (raw) => {
    const check = get(raw);
    expect(check).toMatchObject({ ok: false, code: 'invalid_request' });
  });

  it('rejects control characters, spaces and fragments in the query', () => {
    for (const q of ['?a=\u0000', '?a=\r\nx', '?a b', '?a=\u00e9', '?a#frag', '?\t']) {
      expect(get(`/notes${q}`)).toMatchObject({ ok: false, code: 'invalid_request' });
    }
  });
});

describe('resolveUpstreamPath: allowed paths and methods', () => {
  it('accepts a rule prefix itself and anything below it', () => {
    expect(get('/notes')).toEqual({ ok: true, path: '/notes', search: '' });
    expect(get('/notes/42')).toEqual({ ok: true, path: '/notes/42', search: '' });
    expect(get('/notes/')).toEqual({ ok: true, path: '/notes/', search: '' });
    expect(get('/auth/me?x=1&y=%2F')).toEqual({ ok: true, path: '/auth/me', search: '?x=1&y=%2F' });
  });

  it('matches prefixes on a segment boundary only: /notesX and /note are 404', () => {
    for (const raw of ['/notesX', '/notes-admin', '/note', '/auth', '/auth/meX', '/', '', '/admin', '/NOTES']) {
      expect(get(raw)).toMatchObject({ ok: false, code: 'path_not_allowed' });
    }
  });

  it('keeps harmless characters and re-encodes the rest into one canonical form', () => {
    expect(get('/notes/caf%C3%A9')).toMatchObject({ ok: true, path: '/notes/caf%C3%A9' });
    expect(get('/notes/a%20b')).toMatchObject({ ok: true, path: '/notes/a%20b' });
    expect(get('/notes/%41bc')).toMatchObject({ ok: true, path: '/notes/Abc' });
    expect(get('/notes/a:b+d;e=f,g$h&i')).toMatchObject({ ok: true, path: '/notes/a:b+d;e=f,g$h&i' });
    expect(get('/notes/a%3Ab')).toMatchObject({ ok: true, path: '/notes/a:b' });
    expect(get('/notes/a"b<c>')).toMatchObject({ ok: true, path: '/notes/a%22b%3Cc%3E' });
    expect(get('/notes/file.json')).toMatchObject({ ok: true, path: '/notes/file.json' });
    expect(get('/notes/.well-known')).toMatchObject({ ok: true, path: '/notes/.well-known' });
  });

  it('drops a lone ? but passes any other query through untouched', () => {
    expect(get('/notes?')).toEqual({ ok: true, path: '/notes', search: '' });
    expect(get('/notes?q=%00%0a&x')).toEqual({ ok: true, path: '/notes', search: '?q=%00%0a&x' });
  });

  it('answers 405 with the rule methods when the path is known but the method is not', () => {
    expect(resolveUpstreamPath('/auth/me', upstream, 'POST')).toEqual({
      ok: false, code: 'method_not_allowed', message: expect.any(String), allow: ['GET'],
    });
  });

  it('lets the most specific rule decide (/notes/archive allows only GET)', () => {
    expect(resolveUpstreamPath('/notes/archive/1', upstream, 'DELETE')).toMatchObject({ code: 'method_not_allowed', allow: ['GET'] });
    expect(resolveUpstreamPath('/notes/archived', upstream, 'DELETE')).toMatchObject({ ok: true });
  });

  it('answers 405 for TRACE, CONNECT, TRACK and unknown methods, even on unknown paths', () => {
    for (const m of ['TRACE', 'CONNECT', 'TRACK', 'PROPFIND', 'FOO']) {
      expect(resolveUpstreamPath('/notes', upstream, m)).toMatchObject({ code: 'method_not_allowed', allow: ['GET', 'POST', 'PATCH', 'DELETE'] });
      expect(resolveUpstreamPath('/nowhere', upstream, m)).toMatchObject({ code: 'method_not_allowed' });
    }
  });

  it('compares methods case-insensitively', () => {
    expect(resolveUpstreamPath('/notes/1', upstream, 'patch')).toMatchObject({ ok: true });
  });
});

describe('buildUpstreamUrl', () => {
  it('concatenates origin, base path, canonical path and query', () => {
    expect(buildUpstreamUrl(upstream, { path: '/notes/1', search: '?a=1' }).href).toBe('http://127.0.0.1:4000/notes/1?a=1');
    expect(buildUpstreamUrl(withBase, { path: '/notes/1', search: '' }).href).toBe('https://api.example.com/v1/notes/1');
    expect(buildUpstreamUrl(withBase, { path: '/', search: '' }).href).toBe('https://api.example.com/v1/');
  });

  it('appends a trailing slash when the upstream wants one (Django REST framework), never doubling it', () => {
    const django = resolveUpstream('django', { url: 'http://127.0.0.1:8000', mount: '/api/backend', allow: [{ path: '/api/notes', methods: ['GET'] }], trailingSlash: true });
    expect(buildUpstreamUrl(django, { path: '/api/notes', search: '?page=2' }).href).toBe('http://127.0.0.1:8000/api/notes/?page=2');
    expect(buildUpstreamUrl(django, { path: '/api/notes/7/', search: '' }).href).toBe('http://127.0.0.1:8000/api/notes/7/');
    expect(() => resolveUpstream('x', { url: 'http://127.0.0.1:8000', mount: '/m', allow: [{ path: '/a', methods: ['GET'] }], trailingSlash: 'yes' as never })).toThrow(
      /upstreams.x.trailingSlash/,
    );
  });

  it('rejects @host in any encoding', () => {
    for (const raw of ['/notes/@evil.example', '/notes/%40evil.example', '/notes/a@b', '/@evil.example/notes', '/notes/evil.example:80@x']) {
      expect(get(raw)).toMatchObject({ ok: false, code: 'invalid_request' });
    }
  });

  it('keeps scheme-like segments inside the path of the upstream', () => {
    for (const raw of ['/users/http:evil.example', '/users/evil.example:80']) {
      const check = get(raw);
      if (!check.ok) throw new Error(`expected ${raw} to be accepted`);
      expect(buildUpstreamUrl(upstream, check).host).toBe('127.0.0.1:4000');
    }
  });

  it('never leaves the upstream origin or base path for any accepted input (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('/', '.', '%', '2', 'e', 'f', 'c', '5', '@', ':', '\\', '?', '#', 'a', 'h', 't', 'p') , maxLength: 24 }), (tail) => {
        const check = resolveUpstreamPath(`/${tail}`, withBase, 'GET');
        if (!check.ok) return;
        const url = buildUpstreamUrl(withBase, check);
        expect(url.origin).toBe('https://api.example.com');
        expect(url.pathname.startsWith('/v1/')).toBe(true);
        // the canonical path is a fixed point: what was checked is what is sent
        expect(url.pathname).toBe(`/v1${check.path}`);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('canonicalPath', () => {
  it('is idempotent on accepted paths (property)', () => {
    fc.assert(
      fc.property(fc.webPath(), (raw) => {
        const first = canonicalPath(raw);
        if (first.ok) expect(canonicalPath(first.path)).toEqual(first);
      }),
      { numRuns: 2000 },
    );
  });
});
