import { bearer } from '../credential/credential';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { behaviours, startRecordingUpstream, type RecordingUpstream } from '../../../../../tests/support/recording-upstream';
import { forwardRequest, type ForwardContext } from './forward';
import { resolveUpstream, type UpstreamOptions } from './upstream';

let up: RecordingUpstream;
beforeEach(async () => void (up = await startRecordingUpstream()));
afterEach(async () => up.close());

const ALLOW: UpstreamOptions['allow'] = [
  { path: '/notes', methods: ['GET', 'POST', 'PATCH', 'DELETE'] },
  { path: '/auth/me', methods: ['GET', 'HEAD'] },
];
const upstreamFor = (url: string, extra: Partial<UpstreamOptions> = {}) => resolveUpstream('api', { url, mount: '/api/backend', allow: ALLOW, ...extra });
const ctx: ForwardContext = { credential: bearer('tok-1'), clientIp: '203.0.113.7', appUrl: new URL('https://app.example.com') };
const req = (path: string, init?: RequestInit) => new Request(`http://localhost:3000/api/backend${path}`, init);
const forward = (request: Request, extra: Partial<UpstreamOptions> = {}, context = ctx) => forwardRequest(request, upstreamFor(up.url, extra), context);
/** A request object with a method the Fetch API refuses to construct (TRACE, CONNECT, TRACK). */
const rawMethod = (method: string, path: string) =>
  ({ method, url: `http://localhost:3000/api/backend${path}`, headers: new Headers(), body: null, signal: new AbortController().signal }) as unknown as Request;

async function expectError(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  expect(response.headers.get('cache-control')).toBe('private, no-store');
  const body = (await response.json()) as { code: string; message: string };
  expect(body.code).toBe(code);
  expect(body.message).not.toMatch(/127\.0\.0\.1|tok-1|at .*\(|Error:/);
  return body;
}

describe('forwardRequest: what reaches the upstream', () => {
  it('forwards an allowed GET with the server-side token and configured X-Forwarded-* headers', async () => {
    const res = await forward(req('/notes/42?sort=desc&q=%2F', { headers: { accept: 'application/json' } }));
    expect(res.status).toBe(200);
    expect(up.requests).toHaveLength(1);
    const seen = up.requests[0]!;
    expect(seen.method).toBe('GET');
    expect(seen.path).toBe('/notes/42?sort=desc&q=%2F');
    expect(seen.headers).toMatchObject({
      authorization: 'Bearer tok-1', accept: 'application/json', 'accept-encoding': 'identity', host: `127.0.0.1:${up.port}`,
      'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'app.example.com',
    });
  });

  it("never forwards the browser's cookies, credentials, X-Forwarded-*, hop-by-hop or framework headers", async () => {
    await forward(req('/notes', {
      headers: {
        cookie: 'bffkit=sealed-session', authorization: 'Bearer stolen', 'proxy-authorization': 'Basic eDp5', host: 'evil.example',
        'x-forwarded-for': '6.6.6.6', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http', forwarded: 'for=6.6.6.6',
        'x-real-ip': '6.6.6.6', 'x-csrf': '1', 'x-middleware-subrequest': 'middleware:middleware', 'x-nextjs-data': '1',
        'keep-alive': 'timeout=1', te: 'trailers', upgrade: 'websocket', 'x-custom': '1', connection: 'x-custom', 'user-agent': 'Evil/1.0',
      },
    }));
    const seen = up.requests[0]!;
    const names = Object.keys(seen.headers);
    for (const banned of ['cookie', 'proxy-authorization', 'forwarded', 'x-real-ip', 'x-csrf', 'x-middleware-subrequest', 'x-nextjs-data', 'te', 'upgrade', 'x-custom', 'keep-alive']) {
      expect(names).not.toContain(banned);
    }
    expect(seen.headers.authorization).toBe('Bearer tok-1');
    expect(seen.headers.host).toBe(`127.0.0.1:${up.port}`);
    expect(seen.headers['x-forwarded-for']).toBe('203.0.113.7');
    expect(seen.headers['x-forwarded-host']).toBe('app.example.com');
    expect(seen.headers['user-agent']).toBeUndefined();
    expect(seen.rawHeaders.filter((h) => h.toLowerCase() === 'authorization')).toHaveLength(1);
  });

  it('prefixes the upstream base path and passes extra allowed headers', async () => {
    await forward(req('/auth/me', { headers: { 'x-request-id': 'abc' } }), { url: `${up.url}/v1`, allowRequestHeaders: ['x-request-id'] });
    expect(up.requests[0]).toMatchObject({ path: '/v1/auth/me', headers: { 'x-request-id': 'abc' } });
  });

  it('sends a small JSON body with its Content-Length and returns the upstream status and body', async () => {
    up.setHandler(behaviours.respond(201, { 'content-type': 'application/json' }, '{"id":7}'));
    const res = await forward(req('/notes', { method: 'POST', body: '{"title":"t"}', headers: { 'content-type': 'application/json' } }));
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ id: 7 });
    expect(up.requests[0]).toMatchObject({ method: 'POST', bodyBytes: 13, headers: { 'content-length': '13', 'content-type': 'application/json' } });
    expect(up.requests[0]!.body.toString()).toBe('{"title":"t"}');
  });

  it('answers HEAD and 204 without a body', async () => {
    expect(await (await forward(req('/auth/me', { method: 'HEAD' }))).text()).toBe('');
    up.setHandler(behaviours.respond(204));
    const res = await forward(req('/notes/1', { method: 'DELETE' }));
    expect(res.status).toBe(204);
    expect(res.body).toBeNull();
  });
});

describe('forwardRequest: path and method safety (docs/security.md 18, 21)', () => {
  it.each([
    '/notes/..%2fadmin', '/notes/%2e%2e%2fadmin', '/notes/..%5cadmin', '/notes/%252e%252e/admin', '/notes//admin',
    '/notes/%00', '/notes/a%0d%0ax', '//evil.example/notes', '/notes/%ef%bc%8e%ef%bc%8e/x', '/notes/..;/admin',
    '/notes/@evil.example', '/notes/%40evil.example',
  ])('rejects %j with 400 and no upstream call', async (path) => {
    await expectError(await forward(req(path)), 400, 'invalid_request');
    expect(up.requests).toHaveLength(0);
  });

  it('keeps absolute-URL-looking paths on the configured upstream', async () => {
    for (const path of ['/notes/http:%2F%2Fevil.example', '/notes/https:evil.example']) await forward(req(path));
    expect(up.requests.map((r) => r.path)).toEqual(['/notes/https:evil.example']);
  });

  it('answers 404 for paths outside the mount or the allow rules, without an upstream call', async () => {
    const u = upstreamFor(up.url);
    for (const url of ['http://localhost/api/backendX/notes', 'http://localhost/api/other/notes', 'http://localhost/notes']) {
      await expectError(await forwardRequest(new Request(url), u, ctx), 404, 'path_not_allowed');
    }
    for (const path of ['/admin', '/notesX', '/auth', '']) await expectError(await forward(req(path)), 404, 'path_not_allowed');
    expect(up.requests).toHaveLength(0);
  });

  it('answers 405 with Allow for a method the rule does not list', async () => {
    const res = await forward(req('/auth/me', { method: 'DELETE' }));
    await expectError(res, 405, 'method_not_allowed');
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    expect(up.requests).toHaveLength(0);
  });

  it('answers 405 for TRACE, CONNECT, TRACK and unknown methods', async () => {
    for (const m of ['TRACE', 'CONNECT', 'TRACK', 'PROPFIND']) {
      const res = await forward(rawMethod(m, '/notes'));
      await expectError(res, 405, 'method_not_allowed');
      expect(res.headers.get('allow')).toBe('GET, POST, PATCH, DELETE');
    }
    expect(up.requests).toHaveLength(0);
  });
});

describe('forwardRequest: what reaches the browser (docs/security.md 20)', () => {
  it('strips upstream Set-Cookie', async () => {
    up.setHandler(behaviours.setCookie());
    const res = await forward(req('/notes'));
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(res.headers.has('set-cookie2')).toBe(false);
    expect(await res.text()).toBe('ok');
  });

  it('strips hop-by-hop, Connection-nominated and server identity headers but keeps the rest', async () => {
    up.setHandler(behaviours.hopByHop());
    const res = await forward(req('/notes'));
    for (const h of ['connection', 'keep-alive', 'x-hop-custom', 'proxy-authenticate', 'proxy-connection', 'trailer', 'upgrade', 'transfer-encoding', 'server', 'x-powered-by']) {
      expect(res.headers.has(h)).toBe(false);
    }
    expect(res.headers.get('etag')).toBe('"v1"');
    expect(res.headers.get('x-total-count')).toBe('42');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(await res.json()).toEqual({ ok: true });
  });

  it('does not follow a redirect to another host: status passes, Location is dropped, the other host sees nothing', async () => {
    const other = await startRecordingUpstream();
    try {
      up.setHandler(behaviours.redirect(`${other.url}/steal`, 307));
      const res = await forward(req('/notes'));
      expect(res.status).toBe(307);
      expect(res.headers.has('location')).toBe(false);
      expect(up.requests).toHaveLength(1);
      expect(other.requests).toHaveLength(0);
    } finally {
      await other.close();
    }
  });

  it('rewrites a Location inside the upstream to the mount, without following it', async () => {
    up.setHandler(behaviours.redirect('/v1/notes/9?x=1', 302));
    const res = await forward(req('/notes/8'), { url: `${up.url}/v1` });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/api/backend/notes/9?x=1');
    expect(up.requests).toHaveLength(1);
  });

  it('passes a compressed body through byte for byte with its Content-Encoding', async () => {
    const { gzipSync } = await import('node:zlib');
    const gz = gzipSync(Buffer.from('{"hello":"world"}'));
    up.setHandler((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': gz.length });
      res.end(gz);
    });
    const res = await forward(req('/notes', { headers: { 'accept-encoding': 'gzip, br' } }));
    expect(up.requests[0]!.headers['accept-encoding']).toBe('identity');
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(res.headers.get('content-length')).toBe(String(gz.length));
    expect(Buffer.from(await res.arrayBuffer()).equals(gz)).toBe(true);
  });

  it('passes upstream error statuses and bodies through unchanged', async () => {
    up.setHandler(behaviours.respond(422, { 'content-type': 'application/json' }, '{"code":"validation"}'));
    const res = await forward(req('/notes', { method: 'POST', body: '{}' }));
    expect(res.status).toBe(422);
    expect(await res.json()).toEqual({ code: 'validation' });
  });
});
