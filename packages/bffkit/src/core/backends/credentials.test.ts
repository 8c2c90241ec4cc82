import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { credentialsBackend, type CredentialsBackendOptions } from './credentials';
import { ConfigError } from '../errors';
import { fakeJwt, START } from '../testing/support';
import { FIVE_MINUTES } from '../time';

/** A real HTTP server on 127.0.0.1 playing the backend: routes answer scripted replies and every request is recorded. */
interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}
type Reply = { status?: number; json?: unknown; text?: string; headers?: Record<string, string> } | 'hang' | 'stall';

let server: Server;
let url: string;
let seen: Seen[];
let routes: Map<string, Reply>;

beforeEach(async () => {
  seen = [];
  routes = new Map();
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method!, path: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const reply = routes.get(`${req.method} ${req.url}`) ?? { status: 404, json: { code: 'not_found' } };
      if (reply === 'hang') return; // never answers
      if (reply === 'stall') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"access_token":'); // headers on time, then the body never finishes
        return;
      }
      const body = reply.text ?? (reply.json === undefined ? '' : JSON.stringify(reply.json));
      res.writeHead(reply.status ?? 200, { 'content-type': reply.text ? 'text/plain' : 'application/json', ...reply.headers });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const clock = () => START;
const adapter = (extra: Partial<CredentialsBackendOptions> = {}) => credentialsBackend({ url, clock, timeout: 2, ...extra });
const tokens = (extra = {}) => ({ accessToken: 'at', refreshToken: 'rt', expiresAt: START + 300, issuedAt: START, ...extra });

describe('credentialsBackend: login', () => {
  it('maps an OAuth 2 style answer and sends only the credential fields as JSON', async () => {
    routes.set('POST /auth/login', { json: { access_token: 'at-1', refresh_token: 'rt-1', token_type: 'Bearer', expires_in: 300 } });
    const result = await adapter().login!({ email: 'a@example.com', password: 'pw', returnTo: '/x', extra: 1 });
    expect(result).toEqual({ ok: true, value: { accessToken: 'at-1', refreshToken: 'rt-1', expiresAt: START + 300, issuedAt: START } });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(seen[0]!.body)).toEqual({ email: 'a@example.com', password: 'pw' });
  });

  it('sends custom credential fields', async () => {
    routes.set('POST /auth/login', { json: { access_token: 'at', expires_in: 60 } });
    await adapter({ credentialFields: ['username', 'password'] }).login!({ username: 'u', password: 'p', email: 'e' });
    expect(JSON.parse(seen[0]!.body)).toEqual({ username: 'u', password: 'p' });
  });

  it('keeps a base path in the backend URL', async () => {
    routes.set('POST /v1/auth/login', { json: { access_token: 'at', expires_in: 60 } });
    const result = await credentialsBackend({ url: `${url}/v1/`, clock }).login!({ email: 'e', password: 'p' });
    expect(result.ok).toBe(true);
    expect(seen[0]!.path).toBe('/v1/auth/login');
  });

  it('maps a SimpleJWT answer { access, refresh } with the expiry from the JWT exp', async () => {
    const access = fakeJwt({ sub: '1', exp: START + 120 });
    routes.set('POST /auth/login', { json: { access, refresh: 'r-1' } });
    const result = await adapter({ fields: 'simplejwt' }).login!({ email: 'e', password: 'p' });
    expect(result).toEqual({ ok: true, value: { accessToken: access, refreshToken: 'r-1', expiresAt: START + 120, issuedAt: START } });
  });

  it('takes the earlier of expires_in and the JWT exp', async () => {
    const early = fakeJwt({ exp: START + 100 });
    routes.set('POST /auth/login', { json: { access_token: early, expires_in: 300 } });
    expect(await adapter().login!({})).toMatchObject({ ok: true, value: { expiresAt: START + 100 } });
    const late = fakeJwt({ exp: START + 1000 });
    routes.set('POST /auth/login', { json: { access_token: late, expires_in: 300 } });
    expect(await adapter().login!({})).toMatchObject({ value: { expiresAt: START + 300 } });
  });

  it('assumes five minutes when the answer says nothing about expiry', async () => {
    routes.set('POST /auth/login', { json: { access_token: 'opaque' } });
    expect(await adapter().login!({})).toMatchObject({ ok: true, value: { expiresAt: START + FIVE_MINUTES, refreshToken: undefined } });
  });

  it('accepts a custom field mapping', async () => {
    routes.set('POST /auth/login', { json: { token: 'at', renew: 'rt', ttl: 42 } });
    const fields = { accessToken: 'token', refreshToken: 'renew', expiresIn: 'ttl', refreshRequestField: 'renew' };
    expect(await adapter({ fields }).login!({})).toMatchObject({ ok: true, value: { accessToken: 'at', refreshToken: 'rt', expiresAt: START + 42 } });
  });

  it.each([400, 401, 403, 422])('reports %i as rejected', async (status) => {
    routes.set('POST /auth/login', { status, json: { code: 'invalid_credentials' } });
    expect(await adapter().login!({ email: 'e', password: 'p' })).toEqual({ ok: false, reason: 'rejected' });
  });

  it.each([500, 502, 503])('reports %i as unavailable', async (status) => {
    routes.set('POST /auth/login', { status, json: { code: 'boom' } });
    expect(await adapter().login!({})).toEqual({ ok: false, reason: 'unavailable' });
  });

  it('reports a 200 that is not JSON, or JSON without an access token, as unavailable', async () => {
    routes.set('POST /auth/login', { text: '<html>ok</html>' });
    expect(await adapter().login!({})).toEqual({ ok: false, reason: 'unavailable' });
    routes.set('POST /auth/login', { json: { refresh_token: 'rt' } });
    expect(await adapter().login!({})).toEqual({ ok: false, reason: 'unavailable' });
    routes.set('POST /auth/login', { json: ['access_token'] });
    expect(await adapter().login!({})).toEqual({ ok: false, reason: 'unavailable' });
  });

  it('reports a backend that does not answer in time as timeout', async () => {
    routes.set('POST /auth/login', 'hang');
    expect(await adapter({ timeout: 0.2 }).login!({})).toEqual({ ok: false, reason: 'timeout' });
  });

  it('reports a body that stalls after the headers as timeout', async () => {
    routes.set('POST /auth/login', 'stall');
    expect(await adapter({ timeout: 0.2 }).login!({})).toEqual({ ok: false, reason: 'timeout' });
    routes.set('GET /auth/me', 'stall');
    expect(await adapter({ timeout: 0.2 }).user(tokens())).toEqual({ ok: false, reason: 'timeout' });
  });

  it('reports a refused connection as unavailable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const result = await credentialsBackend({ url: `http://127.0.0.1:${port}`, clock }).login!({});
    expect(result).toEqual({ ok: false, reason: 'unavailable' });
  });

  it('does not follow redirects (the credentials never go elsewhere)', async () => {
    routes.set('POST /auth/login', { status: 307, headers: { location: '/elsewhere' } });
    routes.set('POST /elsewhere', { json: { access_token: 'stolen', expires_in: 60 } });
    expect(await adapter().login!({ email: 'e', password: 'p' })).toEqual({ ok: false, reason: 'unavailable' });
    expect(seen.map((s) => s.path)).toEqual(['/auth/login']);
  });
});

describe('credentialsBackend: refresh', () => {
  it('posts the refresh token and maps the rotated pair', async () => {
    routes.set('POST /auth/refresh', { json: { access_token: 'at-2', refresh_token: 'rt-2', expires_in: 300 } });
    expect(await adapter().refresh('rt-1')).toEqual({ ok: true, value: { accessToken: 'at-2', refreshToken: 'rt-2', expiresAt: START + 300, issuedAt: START } });
    expect(JSON.parse(seen[0]!.body)).toEqual({ refresh_token: 'rt-1' });
  });

  it('keeps the old refresh token when the backend does not rotate', async () => {
    routes.set('POST /auth/refresh', { json: { access_token: 'at-2', expires_in: 300 } });
    expect(await adapter().refresh('rt-1')).toMatchObject({ ok: true, value: { accessToken: 'at-2', refreshToken: 'rt-1' } });
  });

  it('uses the preset request field name (SimpleJWT: refresh)', async () => {
    routes.set('POST /auth/refresh', { json: { access: fakeJwt({ exp: START + 60 }) } });
    const result = await adapter({ fields: 'simplejwt' }).refresh('r-1');
    expect(JSON.parse(seen[0]!.body)).toEqual({ refresh: 'r-1' });
    expect(result).toMatchObject({ ok: true, value: { refreshToken: 'r-1', expiresAt: START + 60 } });
  });

  it.each([400, 401])('reports %i (invalid_grant) as rejected', async (status) => {
    routes.set('POST /auth/refresh', { status, json: { code: 'invalid_grant' } });
    expect(await adapter().refresh('rt')).toEqual({ ok: false, reason: 'rejected' });
  });

  it('reports 500 as unavailable and a silent backend as timeout', async () => {
    routes.set('POST /auth/refresh', { status: 500 });
    expect(await adapter().refresh('rt')).toEqual({ ok: false, reason: 'unavailable' });
    routes.set('POST /auth/refresh', 'hang');
    expect(await adapter({ timeout: 0.2 }).refresh('rt')).toEqual({ ok: false, reason: 'timeout' });
  });

  it('does not follow a redirect with the refresh token', async () => {
    routes.set('POST /auth/refresh', { status: 302, headers: { location: '/steal' } });
    expect(await adapter().refresh('rt')).toEqual({ ok: false, reason: 'unavailable' });
    expect(seen).toHaveLength(1);
  });
});

describe('credentialsBackend: user', () => {
  it('asks the user endpoint with the Bearer token and maps id, email and name', async () => {
    routes.set('GET /auth/me', { json: { id: 7, email: 'a@example.com', name: 'A', created_at: 'x' } });
    expect(await adapter().user(tokens())).toEqual({ ok: true, value: { id: '7', email: 'a@example.com', name: 'A' } });
    expect(seen[0]!.headers.authorization).toBe('Bearer at');
  });

  it('maps sub and username when id and name are absent', async () => {
    routes.set('GET /auth/me', { json: { sub: 'abc', username: 'alice' } });
    expect(await adapter().user(tokens())).toEqual({ ok: true, value: { id: 'abc', name: 'alice' } });
  });

  it('uses a custom mapUser, and reports a throwing one as unavailable', async () => {
    routes.set('GET /auth/me', { json: { uid: 'x', display: 'X' } });
    expect(await adapter({ mapUser: (r) => ({ id: String(r.uid), name: String(r.display) }) }).user(tokens())).toEqual({ ok: true, value: { id: 'x', name: 'X' } });
    routes.set('GET /auth/me', { json: { nothing: true } });
    expect(await adapter().user(tokens())).toEqual({ ok: false, reason: 'unavailable' });
  });

  it('reports 401 and 403 as rejected and other failures as unavailable', async () => {
    routes.set('GET /auth/me', { status: 401 });
    expect(await adapter().user(tokens())).toEqual({ ok: false, reason: 'rejected' });
    routes.set('GET /auth/me', { status: 403 });
    expect(await adapter().user(tokens())).toEqual({ ok: false, reason: 'rejected' });
    routes.set('GET /auth/me', { status: 404 });
    expect(await adapter().user(tokens())).toEqual({ ok: false, reason: 'unavailable' });
    routes.set('GET /auth/me', { status: 503 });
    expect(await adapter().user(tokens())).toEqual({ ok: false, reason: 'unavailable' });
  });

  it('uses the access token claims without any call when paths.user is false', async () => {
    const access = fakeJwt({ sub: 'u9', email: 'u9@example.com', name: 'Nine', exp: START + 60 });
    expect(await adapter({ paths: { user: false } }).user(tokens({ accessToken: access }))).toEqual({
      ok: true,
      value: { id: 'u9', email: 'u9@example.com', name: 'Nine' },
    });
    expect(seen).toHaveLength(0);
    expect(await adapter({ paths: { user: false } }).user(tokens({ accessToken: 'opaque' }))).toEqual({ ok: false, reason: 'rejected' });
  });
});

describe('credentialsBackend: revoke', () => {
  it('posts the refresh token to the logout endpoint', async () => {
    routes.set('POST /auth/logout', { status: 204 });
    await adapter().revoke!(tokens());
    expect(seen).toHaveLength(1);
    expect(JSON.parse(seen[0]!.body)).toEqual({ refresh_token: 'rt' });
    expect(seen[0]!.headers.authorization).toBe('Bearer at');
  });

  it('makes no call without a refresh token or without a logout endpoint', async () => {
    await adapter().revoke!(tokens({ refreshToken: undefined }));
    await adapter({ paths: { logout: false } }).revoke!(tokens());
    expect(seen).toHaveLength(0);
  });

  it('never throws when the backend is down: it answers the failure', async () => {
    routes.set('POST /auth/logout', { status: 500 });
    await expect(adapter().revoke!(tokens())).resolves.toEqual({ ok: false, reason: 'unavailable' });
    await expect(credentialsBackend({ url: 'http://127.0.0.1:1', clock }).revoke!(tokens())).resolves.toEqual({ ok: false, reason: 'unavailable' });
  });
});

describe('credentialsBackend: configuration', () => {
  it('names the field of a bad url or field preset', () => {
    const field = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as ConfigError).field;
      }
      return null;
    };
    expect(field(() => credentialsBackend({} as CredentialsBackendOptions))).toBe('backend.url');
    expect(field(() => credentialsBackend({ url: 'ftp://x' }))).toBe('backend.url');
    expect(field(() => credentialsBackend({ url: 'not a url' }))).toBe('backend.url');
    expect(field(() => credentialsBackend({ url, fields: 'nope' as 'oauth2' }))).toBe('backend.fields');
  });

  it('exposes its kind', () => {
    expect(adapter().kind).toBe('credentials');
  });
});
