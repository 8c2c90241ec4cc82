import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors';
import { resolveUpstream, type UpstreamOptions } from './upstream';

const base: UpstreamOptions = { url: 'http://127.0.0.1:4000', mount: '/api/backend', allow: [{ path: '/notes', methods: ['GET'] }] };
const fieldOf = (options: Partial<UpstreamOptions>): string => {
  try {
    resolveUpstream('api', { ...base, ...options } as UpstreamOptions);
  } catch (e) {
    if (e instanceof ConfigError) return e.field;
    throw e;
  }
  throw new Error('expected a ConfigError');
};

describe('resolveUpstream', () => {
  it('applies the defaults: 30 s timeout, 10 MiB body limit, the default header allow-list', () => {
    const u = resolveUpstream('api', base);
    expect(u.timeoutMs).toBe(30_000);
    expect(u.maxRequestBodyBytes).toBe(10 * 1024 * 1024);
    expect([...u.requestHeaderAllowList]).toEqual(expect.arrayContaining(['accept', 'content-type', 'if-none-match', 'range']));
    expect(u.requestHeaderAllowList.has('cookie')).toBe(false);
    expect(u.url.href).toBe('http://127.0.0.1:4000/');
    expect(u.basePath).toBe('');
  });

  it('normalises a base path, a trailing-slash mount, rule paths and method case', () => {
    const u = resolveUpstream('api', { ...base, url: 'https://api.example.com/v1/', mount: '/api/x/', allow: [{ path: '/a/', methods: ['get', 'GET', 'post'] }, { path: '/a/b/c', methods: ['GET'] }] });
    expect(u.basePath).toBe('/v1');
    expect(u.mount).toBe('/api/x');
    expect(u.allow).toEqual([{ path: '/a/b/c', methods: ['GET'] }, { path: '/a', methods: ['GET', 'POST'] }]);
  });

  it('rejects a URL that is not absolute http(s), has credentials, a query or a fragment', () => {
    for (const url of ['not a url', '/relative', 'ftp://x', 'file:///etc/passwd', 'http://user:pw@x', 'http://x/?a=1', 'http://x/#f', 'http://x/a/../%2e%2e/b%2f']) {
      expect(fieldOf({ url })).toBe('upstreams.api.url');
    }
  });

  it('rejects a mount that is not a plain path', () => {
    for (const mount of ['', '/', 'api', '//api', '/api/../x', '/api?x', '/api/%2e%2e', '/a b']) {
      expect(fieldOf({ mount })).toBe('upstreams.api.mount');
    }
  });

  it('rejects empty rules, bad rule paths and methods bffkit never forwards', () => {
    expect(fieldOf({ allow: [] })).toBe('upstreams.api.allow');
    expect(fieldOf({ allow: [{ path: 'notes', methods: ['GET'] }] })).toBe('upstreams.api.allow[0].path');
    expect(fieldOf({ allow: [{ path: '/a/../b', methods: ['GET'] }] })).toBe('upstreams.api.allow[0].path');
    expect(fieldOf({ allow: [{ path: '/a', methods: [] }] })).toBe('upstreams.api.allow[0].methods');
    expect(fieldOf({ allow: [{ path: '/a', methods: ['GET'] }, { path: '/b', methods: ['TRACE'] }] })).toBe('upstreams.api.allow[1].methods');
    expect(fieldOf({ allow: [{ path: '/a', methods: ['CONNECT'] }] })).toBe('upstreams.api.allow[0].methods');
  });

  it('rejects a non-positive timeout and a negative or fractional body limit', () => {
    for (const timeout of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) expect(fieldOf({ timeout })).toBe('upstreams.api.timeout');
    for (const maxRequestBodyBytes of [-1, 1.5]) expect(fieldOf({ maxRequestBodyBytes })).toBe('upstreams.api.maxRequestBodyBytes');
  });

  it('adds extra request headers but refuses credentials, routing, framing and override headers', () => {
    expect(resolveUpstream('api', { ...base, allowRequestHeaders: ['X-Request-Id'] }).requestHeaderAllowList.has('x-request-id')).toBe(true);
    const forbidden = ['cookie', 'Authorization', 'proxy-authorization', 'host', 'x-forwarded-for', 'X-Forwarded-Host', 'forwarded', 'x-real-ip',
      'connection', 'transfer-encoding', 'te', 'upgrade', 'x-middleware-subrequest', 'x-nextjs-data', 'x-csrf',
      'x-http-method-override', 'x-original-url', 'x-rewrite-url', 'content-length', 'bad header'];
    for (const name of forbidden) expect(fieldOf({ allowRequestHeaders: [name] })).toBe('upstreams.api.allowRequestHeaders');
  });

  it('names the upstream in the message and never includes secrets', () => {
    expect(() => resolveUpstream('billing', { ...base, url: 'http://user:hunter2@x' })).toThrow(/`upstreams\.billing\.url` must not contain credentials/);
    try {
      resolveUpstream('billing', { ...base, url: 'http://user:hunter2@x' });
    } catch (e) {
      expect(String((e as Error).message)).not.toContain('hunter2');
    }
  });
});
