import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeJwt } from '../../testing/support';
import { oidcBackend } from './backend';

type Handler = (req: IncomingMessage, body: URLSearchParams, res: ServerResponse) => void;

let server: Server;
let issuer: string;
let discoveryHits = 0;
let token: Handler;
let userinfo: Handler;
const calls: { path: string; body: URLSearchParams; auth?: string }[] = [];
const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = new URLSearchParams(Buffer.concat(chunks).toString());
    const path = new URL(req.url!, issuer).pathname;
    calls.push({ path, body, auth: req.headers.authorization });
    if (path === '/.well-known/openid-configuration') {
      discoveryHits += 1;
      return json(res, 200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        revocation_endpoint: `${issuer}/revoke`,
        userinfo_endpoint: `${issuer}/userinfo`,
        end_session_endpoint: `${issuer}/logout?tenant=1`,
        jwks_uri: `${issuer}/jwks`,
      });
    }
    if (path === '/token') return token(req, body, res);
    if (path === '/userinfo') return userinfo(req, body, res);
    if (path === '/revoke') return res.writeHead(200).end();
    json(res, 404, {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  issuer = `http://localhost:${typeof a === 'object' && a ? a.port : 0}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  calls.length = 0;
});

const backend = (o: Partial<Parameters<typeof oidcBackend>[0]> = {}) =>
  oidcBackend({ issuer, clientId: 'app', clientSecret: 's3cret', clock: () => 1_800_000_000, ...o });

describe('oidcBackend', () => {
  it('builds the authorization URL with PKCE S256, state, nonce and extra parameters, discovering once', async () => {
    const b = backend({ audience: 'https://api.example.com', authorizationParams: { prompt: 'login' } });
    const before = discoveryHits;
    const [one, two] = await Promise.all([b.startLogin({ redirectUri: 'http://localhost:3000/cb' }), b.startLogin({ redirectUri: 'http://localhost:3000/cb' })]);
    expect(discoveryHits - before).toBe(1);
    if (!one.ok || !two.ok) throw new Error('expected redirects');
    const p = one.value.url.searchParams;
    expect(one.value.url.origin + one.value.url.pathname).toBe(`${issuer}/authorize`);
    expect(Object.fromEntries(p)).toMatchObject({ client_id: 'app', redirect_uri: 'http://localhost:3000/cb', response_type: 'code', code_challenge_method: 'S256', audience: 'https://api.example.com', prompt: 'login' });
    expect(p.get('state')).toBe(one.value.transaction.state);
    expect(p.get('nonce')).toBe(one.value.transaction.nonce);
    expect(p.get('code_challenge')).not.toBe(one.value.transaction.verifier);
    expect(one.value.transaction.state).not.toBe(two.value.transaction.state);
  });

  it('answers unavailable (not a throw) when discovery fails, and tries again next time', async () => {
    const b = oidcBackend({ issuer: 'http://127.0.0.1:1', clientId: 'app', clientSecret: 's' });
    expect(await b.startLogin({ redirectUri: 'http://localhost:3000/cb' })).toEqual({ ok: false, reason: 'unavailable' });
    expect(await b.refresh('rt')).toEqual({ ok: false, reason: 'unavailable' });
  });

  describe('refresh', () => {
    it('posts the refresh token with client_secret_basic and keeps the old refresh token when none is returned', async () => {
      token = (_req, _body, res) => json(res, 200, { access_token: 'at-2', token_type: 'Bearer', expires_in: 60 });
      const r = await backend().refresh('rt-1');
      expect(r).toEqual({ ok: true, value: { accessToken: 'at-2', refreshToken: 'rt-1', expiresAt: 1_800_000_060, issuedAt: 1_800_000_000 } });
      const call = calls.find((c) => c.path === '/token')!;
      expect(call.body.get('grant_type')).toBe('refresh_token');
      expect(call.body.get('refresh_token')).toBe('rt-1');
      expect(call.auth).toMatch(/^Basic /);
      expect(call.body.has('client_secret')).toBe(false);
    });

    it('uses client_secret_post when configured, and sends the resource indicator', async () => {
      token = (_req, _body, res) => json(res, 200, { access_token: 'at', token_type: 'Bearer', refresh_token: 'rt-2' });
      expect((await backend({ clientAuth: 'client_secret_post', resource: 'urn:api' }).refresh('rt-1')).ok).toBe(true);
      const call = calls.find((c) => c.path === '/token')!;
      expect(call.auth).toBeUndefined();
      expect(call.body.get('client_secret')).toBe('s3cret');
      expect(call.body.get('resource')).toBe('urn:api');
    });

    it.each([
      ['invalid_grant (400)', 400, { error: 'invalid_grant' }, 'rejected'],
      ['invalid_client (401)', 401, { error: 'invalid_client' }, 'rejected'],
      ['a 500 with an OAuth error body', 500, { error: 'server_error' }, 'unavailable'],
      ['a 503 without a JSON body', 503, 'down', 'unavailable'],
      ['a 200 without an access token', 200, { token_type: 'Bearer' }, 'unavailable'],
    ])('sorts %s as %s', async (_n, status, body, reason) => {
      token = (_req, _body, res) => (typeof body === 'string' ? res.writeHead(status).end(body) : json(res, status, body));
      expect(await backend().refresh('rt')).toEqual({ ok: false, reason });
    });

    it('answers timeout when the token endpoint is too slow', async () => {
      token = (_req, _body, res) => void setTimeout(() => json(res, 200, { access_token: 'late', token_type: 'Bearer' }), 500);
      expect(await backend({ timeout: 0.1 }).refresh('rt')).toEqual({ ok: false, reason: 'timeout' });
    });
  });

  describe('user', () => {
    const idToken = fakeJwt({ sub: 'sub-1', email: 'a@b.c', name: 'Ann', sid: 's1' });

    it('reads the display user from the ID token; id is always the subject', async () => {
      expect(await backend().user({ accessToken: 'at', idToken, expiresAt: 0, issuedAt: 0 })).toEqual({ ok: true, value: { id: 'sub-1', email: 'a@b.c', name: 'Ann' } });
      const sneaky = backend({ mapClaims: (c) => ({ id: 'someone-else', name: String(c.name) }) as never });
      expect(await sneaky.user({ accessToken: 'at', idToken, expiresAt: 0, issuedAt: 0 })).toEqual({ ok: true, value: { id: 'sub-1', name: 'Ann' } });
    });

    it('refuses tokens without an ID token subject', async () => {
      expect(await backend().user({ accessToken: 'at', expiresAt: 0, issuedAt: 0 })).toEqual({ ok: false, reason: 'rejected' });
    });

    it('merges userinfo when asked, refusing a userinfo answer for another subject', async () => {
      userinfo = (_req, _body, res) => json(res, 200, { sub: 'sub-1', name: 'Ann From Userinfo', locale: 'en' });
      const ok = await backend({ userinfo: true }).user({ accessToken: 'at', idToken, expiresAt: 0, issuedAt: 0 });
      expect(ok).toEqual({ ok: true, value: { id: 'sub-1', email: 'a@b.c', name: 'Ann From Userinfo' } });
      userinfo = (_req, _body, res) => json(res, 200, { sub: 'sub-2', name: 'Mallory' });
      expect(await backend({ userinfo: true }).user({ accessToken: 'at', idToken, expiresAt: 0, issuedAt: 0 })).toEqual({ ok: false, reason: 'rejected' });
    });
  });

  describe('logout', () => {
    const tokens = { accessToken: 'at', refreshToken: 'rt', idToken: 'the.id.token', expiresAt: 0, issuedAt: 0 };

    it('builds the end-session URL with client_id, the registered post-logout URI and id_token_hint', async () => {
      const url = await backend({ postLogoutRedirect: '/bye' }).endSessionUrl({ tokens, appUrl: new URL('https://app.example.com') });
      expect(Object.fromEntries(url!.searchParams)).toEqual({ tenant: '1', client_id: 'app', post_logout_redirect_uri: 'https://app.example.com/bye', id_token_hint: 'the.id.token' });
      const noHint = await backend({ idTokenHint: false }).endSessionUrl({ tokens, appUrl: new URL('https://app.example.com') });
      expect(noHint!.searchParams.has('id_token_hint')).toBe(false);
    });

    it('revokes the refresh token at the revocation endpoint, unless told not to', async () => {
      await backend().revoke(tokens);
      const call = calls.find((c) => c.path === '/revoke')!;
      expect(call.body.get('token')).toBe('rt');
      expect(call.body.get('token_type_hint')).toBe('refresh_token');
      calls.length = 0;
      await backend({ revokeOnLogout: false }).revoke(tokens);
      expect(calls.filter((c) => c.path === '/revoke')).toEqual([]);
    });
  });
});
