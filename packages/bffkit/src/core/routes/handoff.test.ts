import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import type { BackendAdapter, BackendResult } from '../backends/adapter';
import { createBff, type Bff } from '../bff';
import type { BffOptions } from '../config';
import type { Logger } from '../logger';
import type { SessionUser, TokenSet } from '../types';

const APP = 'http://localhost:3000';
const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const ISSUER = 'test-backend';
const AUDIENCE = 'test-api';
const T0 = Math.floor(Date.now() / 1000);

let server: Server;
let jwksUrl: string;
let signing: CryptoKey;
let foreign: CryptoKey;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  signing = pair.privateKey;
  foreign = (await generateKeyPair('ES256')).privateKey;
  const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' };
  server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  jwksUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/.well-known/jwks.json`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function accessToken(opts: { sub?: string; exp?: number; key?: CryptoKey; aud?: string } = {}): Promise<string> {
  return new SignJWT({ name: 'Claimed Name' })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .setSubject(opts.sub ?? '1')
    .setIssuer(ISSUER)
    .setAudience(opts.aud ?? AUDIENCE)
    .setIssuedAt(T0)
    .setExpirationTime(opts.exp ?? T0 + 300)
    .sign(opts.key ?? signing);
}

/** A fake backend: the user endpoint answers the `sub` of the token (or `userResult`), revocations are recorded. */
function fakeBackend(userResult?: BackendResult<SessionUser>) {
  const revoked: TokenSet[] = [];
  const userCalls: string[] = [];
  const adapter: BackendAdapter = {
    kind: 'fake',
    userVerifiesToken: true,
    refresh: async () => ({ ok: false, reason: 'rejected' }),
    revoke: async (tokens) => void revoked.push(tokens),
    user: async (tokens) => {
      userCalls.push(tokens.accessToken);
      if (userResult) return userResult;
      const sub = JSON.parse(Buffer.from(tokens.accessToken.split('.')[1] ?? '', 'base64url').toString() || '{}').sub;
      return sub ? { ok: true, value: { id: String(sub), email: `user${sub}@example.com`, name: `Backend User ${sub}` } } : { ok: false, reason: 'rejected' };
    },
  };
  return { adapter, revoked, userCalls };
}

function setup(options: Partial<BffOptions> = {}, userResult?: BackendResult<SessionUser>) {
  const backend = fakeBackend(userResult);
  const logs: string[] = [];
  const logger: Logger = { info: (m) => logs.push(m), warn: (m) => logs.push(m), error: (m) => logs.push(m) };
  const bff = createBff({
    secret: SECRET,
    baseUrl: APP,
    backend: backend.adapter,
    handoff: { verify: { jwksUrl, issuer: ISSUER, audience: AUDIENCE } },
    logger,
    ...options,
  });
  return { bff, backend, logs };
}

function post(body: unknown, headers: Record<string, string> = {}, raw?: string): Request {
  return new Request(`${APP}/api/auth/handoff`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-csrf': '1', origin: APP, ...headers },
    body: raw ?? JSON.stringify(body),
  });
}

/** The Cookie header a browser would send after this response. */
function cookieFrom(res: Response): string {
  return res.headers
    .getSetCookie()
    .map((line) => line.split(';')[0]!)
    .filter((pair) => !pair.endsWith('='))
    .join('; ');
}

async function handOff(bff: Bff, body: unknown, headers: Record<string, string> = {}) {
  const res = await bff.handleAuth(post(body, headers));
  return { res, body: (await res.json()) as Record<string, unknown> };
}

describe('POST /api/auth/handoff', () => {
  it('answers 404 when handoff is not configured, as if the route did not exist', async () => {
    const { bff } = setup({ handoff: undefined });
    const { res, body } = await handOff(bff, { access_token: await accessToken() });
    expect(res.status).toBe(404);
    expect(body.code).toBe('not_found');
  });

  it('keeps a verified token in a fresh session and answers the backend user, never a token', async () => {
    const { bff, backend } = setup();
    const token = await accessToken({ sub: '42' });
    const res = await bff.handleAuth(post({ access_token: token, refresh_token: 'rt-42', expires_in: 300 }));
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(JSON.parse(text)).toMatchObject({ status: 'authenticated', user: { id: '42', name: 'Backend User 42' } });
    expect(text).not.toContain(token);
    expect(text).not.toContain('rt-42');
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(backend.userCalls).toEqual([token]);

    const loaded = await bff.loadSession(cookieFrom(res), 'never');
    expect(loaded.kind).toBe('active');
    if (loaded.kind !== 'active') return;
    expect(loaded.session.tokens).toMatchObject({ accessToken: token, refreshToken: 'rt-42' });
    // Display data from the backend, not from the (client-chosen) claims.
    expect(loaded.session.user.name).toBe('Backend User 42');
  });

  it('lets expires_in shorten the token lifetime but never extend it past exp', async () => {
    const { bff } = setup();
    const exp = T0 + 300;
    const longer = await handOff(bff, { access_token: await accessToken({ exp }), expires_in: 86_400 });
    const shorter = await handOff(bff, { access_token: await accessToken({ exp }), expires_in: 30 });
    const tokensOf = async (res: Response) => {
      const loaded = await bff.loadSession(cookieFrom(res), 'never');
      return loaded.kind === 'active' ? loaded.session.tokens : null;
    };
    expect((await tokensOf(longer.res))?.expiresAt).toBe(exp);
    const short = await tokensOf(shorter.res);
    expect(short!.expiresAt).toBeLessThanOrEqual(short!.issuedAt + 30);
  });

  it.each([
    ['signed by another key', () => accessToken({ key: foreign })],
    ['expired', () => accessToken({ exp: T0 - 60 })],
    ['for another audience', () => accessToken({ aud: 'other-api' })],
    ['garbage', async () => 'garbage.garbage.garbage'],
  ])('answers 401 token_rejected with no cookie for a token %s, logging the category but never the token', async (_n, make) => {
    const { bff, backend, logs } = setup();
    const token = await make();
    const { res, body } = await handOff(bff, { access_token: token, refresh_token: 'rt' });
    expect(res.status).toBe(401);
    expect(body).toEqual({ code: 'token_rejected', message: 'The token was not accepted.' });
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(backend.userCalls).toEqual([]);
    expect(logs.filter((l) => l.startsWith('handoff rejected:'))).toHaveLength(1);
    expect(logs.join('\n')).not.toContain(token);
  });

  it('leaves the existing session untouched when a handoff is rejected', async () => {
    const { bff, backend } = setup();
    const first = await handOff(bff, { access_token: await accessToken({ sub: '1' }), refresh_token: 'rt-1' });
    const cookie = cookieFrom(first.res);
    const res = await bff.handleAuth(post({ access_token: await accessToken({ key: foreign }) }, { cookie }));
    expect(res.status).toBe(401);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(backend.revoked).toEqual([]);
    expect(await bff.readSession(cookie)).toMatchObject({ status: 'authenticated', user: { id: '1' } });
  });

  it('replaces a session of another user entirely: new id, old session ended, old refresh token revoked', async () => {
    const { bff, backend } = setup();
    const first = await handOff(bff, { access_token: await accessToken({ sub: '1' }), refresh_token: 'rt-1' });
    const oldCookie = cookieFrom(first.res);
    const second = await handOff(bff, { access_token: await accessToken({ sub: '2' }), refresh_token: 'rt-2' }, { cookie: oldCookie });
    expect(second.res.status).toBe(200);
    expect(second.body.user).toMatchObject({ id: '2' });
    expect(backend.revoked.map((t) => t.refreshToken)).toEqual(['rt-1']);
    expect(await bff.readSession(oldCookie)).toEqual({ status: 'unauthenticated' });
    const newCookie = cookieFrom(second.res);
    expect(await bff.readSession(newCookie)).toMatchObject({ status: 'authenticated', user: { id: '2' } });
  });

  it('answers 401 when the backend user endpoint refuses a verified token, 502 when it is down', async () => {
    const refused = setup({}, { ok: false, reason: 'rejected' });
    expect((await handOff(refused.bff, { access_token: await accessToken() })).body.code).toBe('token_rejected');
    const down = setup({}, { ok: false, reason: 'unavailable' });
    const { res, body } = await handOff(down.bff, { access_token: await accessToken() });
    expect([res.status, body.code]).toEqual([502, 'upstream_unavailable']);
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it('answers 502 (not a rejection) when the key set cannot be fetched', async () => {
    const { bff } = setup({ handoff: { verify: { jwksUrl: 'http://127.0.0.1:1/jwks', issuer: ISSUER, audience: AUDIENCE } } });
    const { res, body } = await handOff(bff, { access_token: await accessToken() });
    expect([res.status, body.code]).toEqual([502, 'upstream_unavailable']);
  });

  it('verifies through the backend user endpoint in userinfo mode', async () => {
    const { bff, backend } = setup({ handoff: { verify: 'userinfo' } });
    const ok = await handOff(bff, { access_token: await accessToken({ sub: '9', key: foreign }) });
    expect(ok.body).toMatchObject({ status: 'authenticated', user: { id: '9' } });
    expect(backend.userCalls).toHaveLength(1);
    const refused = await handOff(bff, { access_token: 'opaque-and-unknown' });
    expect(refused.res.status).toBe(401);
    expect(refused.body.code).toBe('token_rejected');
  });

  describe('request checks', () => {
    it.each([
      ['a form post', { 'content-type': 'application/x-www-form-urlencoded' }, 'access_token=x'],
      ['a form post with the anti-forgery header', { 'content-type': 'application/x-www-form-urlencoded', 'x-csrf': '1' }, 'access_token=x'],
      ['text/plain', { 'content-type': 'text/plain' }, '{"access_token":"x"}'],
    ])('refuses %s with 415', async (_n, headers, raw) => {
      const { bff } = setup();
      const res = await bff.handleAuth(post(null, headers, raw));
      expect(res.status).toBe(415);
      expect(res.headers.getSetCookie()).toEqual([]);
    });

    it('refuses a request without the anti-forgery header or from another origin', async () => {
      const { bff } = setup();
      const token = await accessToken();
      const noHeader = new Request(`${APP}/api/auth/handoff`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: APP },
        body: JSON.stringify({ access_token: token }),
      });
      expect((await bff.handleAuth(noHeader)).status).toBe(403);
      expect((await bff.handleAuth(post({ access_token: token }, { origin: 'https://evil.example' }))).status).toBe(403);
      expect((await bff.handleAuth(post({ access_token: token }, { 'sec-fetch-site': 'cross-site' }))).status).toBe(403);
    });

    it.each([
      ['no access_token', {}],
      ['an empty access_token', { access_token: '' }],
      ['a numeric access_token', { access_token: 42 }],
      ['an access_token over 8 KB', { access_token: 'a'.repeat(8 * 1024 + 1) }],
      ['an access_token with a line break', { access_token: 'a\r\nb' }],
      ['a non-string refresh_token', { access_token: 'a.b.c', refresh_token: { x: 1 } }],
      ['a refresh_token over 8 KB', { access_token: 'a.b.c', refresh_token: 'r'.repeat(8 * 1024 + 1) }],
      ['a negative expires_in', { access_token: 'a.b.c', expires_in: -1 }],
      ['a string expires_in', { access_token: 'a.b.c', expires_in: '300' }],
    ])('answers 400 invalid_request for %s', async (_n, body) => {
      const { bff, backend } = setup();
      const { res, body: answer } = await handOff(bff, body);
      expect([res.status, answer.code]).toEqual([400, 'invalid_request']);
      expect(backend.userCalls).toEqual([]);
    });

    it('answers 413 for a body over 16 KB', async () => {
      const { bff } = setup();
      const res = await bff.handleAuth(post({ access_token: 'a', pad: 'x'.repeat(17 * 1024) }));
      expect(res.status).toBe(413);
    });

    it('answers 405 for GET', async () => {
      const { bff } = setup();
      const res = await bff.handleAuth(new Request(`${APP}/api/auth/handoff`));
      expect(res.status).toBe(405);
    });
  });

  describe('rate limit', () => {
    it('answers 429 with Retry-After after too many rejected tokens from one known address', async () => {
      const { bff } = setup({ trustProxy: 1, loginRateLimit: { maxPerAddress: 2 } });
      const bad = await accessToken({ key: foreign });
      const from = (ip: string) => ({ 'x-forwarded-for': ip });
      expect((await handOff(bff, { access_token: bad }, from('203.0.113.7'))).res.status).toBe(401);
      expect((await handOff(bff, { access_token: bad }, from('203.0.113.7'))).res.status).toBe(401);
      const limited = await handOff(bff, { access_token: await accessToken() }, from('203.0.113.7'));
      expect(limited.res.status).toBe(429);
      expect(Number(limited.res.headers.get('retry-after'))).toBeGreaterThan(0);
      // Another address is not affected.
      expect((await handOff(bff, { access_token: await accessToken() }, from('203.0.113.8'))).res.status).toBe(200);
    });

    it('does not count failures when the client address is unknown', async () => {
      const { bff } = setup({ loginRateLimit: { maxPerAddress: 1 } });
      const bad = await accessToken({ key: foreign });
      for (let i = 0; i < 3; i++) expect((await handOff(bff, { access_token: bad })).res.status).toBe(401);
      expect((await handOff(bff, { access_token: await accessToken() })).res.status).toBe(200);
    });
  });
});
