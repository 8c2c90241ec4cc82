import { describe, expect, it } from 'vitest';
import { browserResponseHeaders, upstreamRequestHeaders } from './headers';
import { rewriteLocation } from './location';
import { resolveUpstream } from './upstream';

const upstream = resolveUpstream('api', {
  url: 'http://127.0.0.1:4000/v1',
  mount: '/api/backend',
  allow: [{ path: '/notes', methods: ['GET'] }],
  allowRequestHeaders: ['x-request-id'],
});
const facts = { clientIp: '203.0.113.7', appUrl: new URL('https://app.example.com') };
const called = new URL('http://127.0.0.1:4000/v1/notes');

describe('upstreamRequestHeaders', () => {
  it('forwards only allow-listed headers (never the browser\'s Authorization) and sets X-Forwarded-* from configuration', () => {
    const incoming = new Headers({
      accept: 'application/json', 'content-type': 'application/json', 'if-none-match': '"v1"', 'x-request-id': 'r1',
      cookie: 'bffkit=secret', authorization: 'Bearer browser', 'proxy-authorization': 'Basic x', host: 'evil.example',
      'x-forwarded-for': '6.6.6.6', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http', forwarded: 'for=6.6.6.6',
      'x-real-ip': '6.6.6.6', 'x-csrf': '1', 'x-middleware-subrequest': 'middleware', 'x-nextjs-data': '1', 'user-agent': 'Browser',
      origin: 'https://app.example.com', referer: 'https://app.example.com/x', 'accept-encoding': 'gzip, br',
      te: 'trailers', upgrade: 'websocket', 'keep-alive': '1', 'x-http-method-override': 'DELETE',
    });
    expect(upstreamRequestHeaders(incoming, upstream, facts)).toEqual({
      accept: 'application/json',
      'content-type': 'application/json',
      'if-none-match': '"v1"',
      'x-request-id': 'r1',
      'accept-encoding': 'identity',
      'x-forwarded-for': '203.0.113.7',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'app.example.com',
    });
  });

  it('drops allow-listed headers the browser nominated as hop-by-hop in Connection', () => {
    const out = upstreamRequestHeaders(new Headers({ connection: 'close, Accept', accept: 'x', 'content-type': 'y' }), upstream, facts);
    expect(out.accept).toBeUndefined();
    expect(out['content-type']).toBe('y');
  });

  it('drops an allowed header whose value holds control characters', () => {
    const out = upstreamRequestHeaders(new Headers({ accept: 'a\u0001b', 'content-type': 'text/plain' }), upstream, facts);
    expect(out.accept).toBeUndefined();
    expect(out['content-type']).toBe('text/plain');
  });

  it('omits X-Forwarded-For when the client address is not an IP address', () => {
    for (const clientIp of ['', 'unknown', '1.2.3.4\r\nx: y', '1.2.3.4, 5.6.7.8']) {
      expect(upstreamRequestHeaders(new Headers(), upstream, { ...facts, clientIp })['x-forwarded-for']).toBeUndefined();
    }
    expect(upstreamRequestHeaders(new Headers(), upstream, { ...facts, clientIp: '::1' })['x-forwarded-for']).toBe('::1');
  });
});

describe('browserResponseHeaders', () => {
  it('strips cookies, hop-by-hop, Connection-nominated, identity, CORS, auth challenge and proxy-control headers', () => {
    const incoming = new Headers([
      ['set-cookie', 'a=1'], ['set-cookie', 'b=2'], ['set-cookie2', 'c=3'], ['connection', 'keep-alive, X-Hop'], ['x-hop', '1'],
      ['keep-alive', 'timeout=5'], ['proxy-authenticate', 'Basic'], ['proxy-connection', 'x'], ['trailer', 'x'], ['transfer-encoding', 'chunked'],
      ['upgrade', 'h2c'], ['server', 'nginx'], ['x-powered-by', 'Express'], ['www-authenticate', 'Basic realm="x"'],
      ['access-control-allow-origin', '*'], ['access-control-allow-credentials', 'true'], ['strict-transport-security', 'max-age=1'],
      ['alt-svc', 'h3=":443"'], ['clear-site-data', '"cookies"'], ['x-accel-redirect', '/internal/secret'], ['x-sendfile', '/etc/passwd'],
      ['x-middleware-rewrite', 'https://evil.example'], ['x-nextjs-cache', 'HIT'],
      ['content-type', 'application/json'], ['content-length', '11'], ['etag', '"v1"'], ['last-modified', 'Wed, 21 Oct 2015 07:28:00 GMT'],
      ['content-disposition', 'attachment; filename="a.txt"'], ['content-encoding', 'gzip'], ['x-total-count', '42'], ['vary', 'Accept'],
    ]);
    const out = browserResponseHeaders(incoming, upstream, called);
    expect(Object.fromEntries(out)).toEqual({
      'content-type': 'application/json', 'content-length': '11', etag: '"v1"', 'last-modified': 'Wed, 21 Oct 2015 07:28:00 GMT',
      'content-disposition': 'attachment; filename="a.txt"', 'content-encoding': 'gzip', 'x-total-count': '42', vary: 'Accept',
      'cache-control': 'private, no-store', 'x-content-type-options': 'nosniff',
    });
  });

  it("keeps the upstream's Cache-Control only when it already says no-store", () => {
    const cc = (value: string) => browserResponseHeaders(new Headers({ 'cache-control': value }), upstream, called).get('cache-control');
    expect(cc('no-store')).toBe('no-store');
    expect(cc('private, no-store, max-age=0')).toBe('private, no-store, max-age=0');
    expect(cc('public, max-age=3600')).toBe('private, no-store');
    expect(cc('private, max-age=60')).toBe('private, no-store');
    expect(cc('no-store-ish')).toBe('private, no-store');
  });
});

describe('rewriteLocation', () => {
  it('maps a Location inside the upstream to the mount, relative or absolute', () => {
    expect(rewriteLocation('/v1/notes/7?x=1', upstream, called)).toBe('/api/backend/notes/7?x=1');
    expect(rewriteLocation('http://127.0.0.1:4000/v1/notes/7', upstream, called)).toBe('/api/backend/notes/7');
    expect(rewriteLocation('7', upstream, new URL('http://127.0.0.1:4000/v1/notes/'))).toBe('/api/backend/notes/7');
    expect(rewriteLocation('/v1', upstream, called)).toBe('/api/backend/');
  });

  it('drops a Location that leaves the upstream origin or its base path', () => {
    for (const value of ['https://evil.example/x', '//evil.example/x', 'http://127.0.0.1:4001/v1/x', 'https://127.0.0.1:4000/v1/x',
      '/v2/notes', '/v10/x', '/', 'http://user:pw@127.0.0.1:4000/v1/x', 'javascript:alert(1)', 'http://[bad']) {
      expect(rewriteLocation(value, upstream, called)).toBeNull();
    }
  });

  it('never produces a protocol-relative Location', () => {
    expect(rewriteLocation('http://127.0.0.1:4000/v1//evil.example/x', upstream, called)).toBe('/api/backend//evil.example/x');
  });
});
