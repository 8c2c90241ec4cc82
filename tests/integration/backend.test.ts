import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  SignJWT,
  createLocalJWKSet,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  type CryptoKey,
  type JSONWebKeySet,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackend, type RunningBackend, type TokenResponse } from '../support/backend-process';

const DEMO = { email: 'demo@example.com', password: 'demo-password' };
const SECOND = { email: 'second@example.com', password: 'second-password' };
const ISSUER = 'bffkit-example-backend';
const AUDIENCE = 'bffkit-example-api';
const MB = 1024 * 1024;

let backend: RunningBackend;
let signingKey: CryptoKey;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function call(path: string, init: RequestInit & { token?: string; json?: unknown } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('authorization', `Bearer ${init.token}`);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set('content-type', 'application/json');
    body = JSON.stringify(init.json);
  }
  return fetch(backend.url + path, { ...init, headers, body });
}

async function refresh(refreshToken: string): Promise<Response> {
  return call('/auth/refresh', { method: 'POST', json: { refresh_token: refreshToken } });
}

/** Signs a token with the backend's own key (provided through JWT_PRIVATE_JWK). */
function forge(claims: Record<string, unknown>, key: CryptoKey = signingKey) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ email: DEMO.email, name: 'Demo User', ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: 'test' })
    .setSubject('1')
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + 300)
    .setJti(randomUUID());
}

beforeAll(async () => {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  signingKey = privateKey;
  const jwk = { ...(await exportJWK(privateKey)), alg: 'ES256' };
  backend = await startBackend({ env: { JWT_PRIVATE_JWK: JSON.stringify(jwk) } });
});

afterAll(async () => {
  await backend?.stop();
});

describe('login', () => {
  it('issues a bearer token pair for valid credentials', async () => {
    const res = await call('/auth/login', { method: 'POST', json: DEMO });
    expect(res.status).toBe(200);
    const body = (await res.json()) as TokenResponse;
    expect(body.token_type).toBe('Bearer');
    expect(body.expires_in).toBe(300);
    expect(body.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(decodeProtectedHeader(body.access_token)).toMatchObject({ alg: 'ES256' });
  });

  it('answers a wrong password and an unknown user with the same 401', async () => {
    const wrong = await call('/auth/login', { method: 'POST', json: { ...DEMO, password: 'nope' } });
    const unknown = await call('/auth/login', { method: 'POST', json: { email: 'who@example.com', password: 'x' } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const a = await wrong.json();
    expect(a).toEqual({ code: 'invalid_credentials', message: expect.any(String) });
    expect(await unknown.json()).toEqual(a);
  });

  it('treats the email case-insensitively', async () => {
    const res = await call('/auth/login', { method: 'POST', json: { ...DEMO, email: 'Demo@Example.COM' } });
    expect(res.status).toBe(200);
  });
});

describe('bearer authentication', () => {
  it('returns the current user for a valid access token', async () => {
    const { access_token } = await backend.login(DEMO.email, DEMO.password);
    const res = await call('/auth/me', { token: access_token });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: '1', email: DEMO.email, name: 'Demo User', created_at: expect.any(String) });
  });

  it('rejects a missing or malformed Authorization header with invalid_token', async () => {
    for (const authorization of [undefined, 'Basic abc', 'Bearer', 'Bearer ', 'bearer a b', 'Bearer a.b.c']) {
      const res = await call('/auth/me', { headers: authorization ? { authorization } : {} });
      expect(res.status, String(authorization)).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
      expect(await res.json()).toMatchObject({ code: 'invalid_token' });
    }
  });

  it('rejects forged, wrong-issuer, wrong-audience and unsigned tokens and counts them', async () => {
    await backend.resetStats();
    const { privateKey: otherKey } = await generateKeyPair('ES256');
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ sub: '1', iss: ISSUER, aud: AUDIENCE, exp: 9e9 })).toString('base64url');
    const tokens = [
      await forge({}).sign(otherKey),
      await forge({}).setIssuer('someone-else').sign(signingKey),
      await forge({}).setAudience('another-api').sign(signingKey),
      await forge({}).setSubject('999').sign(signingKey),
      `${header}.${payload}.`,
    ];
    for (const token of tokens) {
      const res = await call('/notes', { token });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ code: 'invalid_token' });
    }
    const ok = await call('/notes', { token: await forge({}).sign(signingKey) });
    expect(ok.status).toBe(200);
    const stats = await backend.stats();
    expect(stats.invalid_token_requests).toBe(tokens.length);
    expect(stats.bearer_requests).toBe(tokens.length + 1);
    expect(stats.expired_token_requests).toBe(0);
  });

  it('answers an expired token (correct signature) with token_expired, never invalid_token', async () => {
    await backend.resetStats();
    const past = Math.floor(Date.now() / 1000) - 10;
    const token = await forge({}).setIssuedAt(past - 300).setExpirationTime(past).sign(signingKey);
    const res = await call('/auth/me', { token });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'token_expired' });
    expect((await backend.stats()).expired_token_requests).toBe(1);
  });

  it('publishes a JWKS that verifies issued tokens', async () => {
    const { access_token } = await backend.login(DEMO.email, DEMO.password);
    const jwks = (await (await call('/.well-known/jwks.json')).json()) as JSONWebKeySet;
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).not.toHaveProperty('d');
    const { payload, protectedHeader } = await jwtVerify(access_token, createLocalJWKSet(jwks), {
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    expect(protectedHeader.kid).toBe(jwks.keys[0]!.kid);
    expect(payload).toMatchObject({ sub: '1', email: DEMO.email, name: 'Demo User' });
    expect(payload.exp! - payload.iat!).toBe(300);
    expect(payload.jti).toEqual(expect.any(String));
  });
});

describe('refresh tokens', () => {
  it('rotates: a refresh returns a new pair and the new access token works', async () => {
    const first = await backend.login(DEMO.email, DEMO.password);
    const res = await refresh(first.refresh_token);
    expect(res.status).toBe(200);
    const second = (await res.json()) as TokenResponse;
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.access_token).not.toBe(first.access_token);
    expect((await call('/auth/me', { token: second.access_token })).status).toBe(200);
    expect((await refresh(second.refresh_token)).status).toBe(200);
  });

  it('detects reuse of a rotated token and revokes the whole family', async () => {
    await backend.resetStats();
    const first = await backend.login(DEMO.email, DEMO.password);
    const second = (await (await refresh(first.refresh_token)).json()) as TokenResponse;

    const reuse = await refresh(first.refresh_token);
    expect(reuse.status).toBe(401);
    expect(await reuse.json()).toMatchObject({ code: 'invalid_grant' });
    const successor = await refresh(second.refresh_token);
    expect(successor.status).toBe(401);
    expect(await successor.json()).toMatchObject({ code: 'invalid_grant' });

    const stats = await backend.stats();
    expect(stats.refresh_reuse_detected).toBe(1);
    expect(stats.refreshes).toBe(1);
    expect(stats.refresh_failures).toBe(2);
  });

  it('has no grace period: two concurrent refreshes with one token kill the family', async () => {
    const { refresh_token } = await backend.login(DEMO.email, DEMO.password);
    const results = await Promise.all([refresh(refresh_token), refresh(refresh_token)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
    const winner = (await results.find((r) => r.status === 200)!.json()) as TokenResponse;
    expect((await refresh(winner.refresh_token)).status).toBe(401);
  });

  it('rejects unknown tokens with invalid_grant', async () => {
    for (const token of ['nope', 'A'.repeat(43), Buffer.alloc(32).toString('base64url')]) {
      const res = await refresh(token);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ code: 'invalid_grant' });
    }
  });

  it('logout revokes the family and is idempotent', async () => {
    await backend.resetStats();
    const first = await backend.login(DEMO.email, DEMO.password);
    const second = (await (await refresh(first.refresh_token)).json()) as TokenResponse;
    for (let i = 0; i < 2; i++) {
      const res = await call('/auth/logout', { method: 'POST', json: { refresh_token: first.refresh_token } });
      expect(res.status).toBe(204);
    }
    expect((await call('/auth/logout', { method: 'POST', json: { refresh_token: 'unknown' } })).status).toBe(204);
    expect((await refresh(second.refresh_token)).status).toBe(401);
    expect((await backend.stats()).logouts).toBe(3);
  });

  it('the test hook revokes every refresh token of a user and nothing else', async () => {
    const demo = await backend.login(DEMO.email, DEMO.password);
    const other = await backend.login(SECOND.email, SECOND.password);
    await backend.resetStats();
    await backend.revoke(DEMO.email);
    expect((await refresh(demo.refresh_token)).status).toBe(401);
    expect((await refresh(other.refresh_token)).status).toBe(200);
    expect((await backend.stats()).requests).toBe(2);
  });
});

describe('short-lived tokens (separate process, ACCESS_TOKEN_TTL=1, REFRESH_TOKEN_TTL=1)', () => {
  let shortLived: RunningBackend;
  beforeAll(async () => {
    shortLived = await startBackend({ accessTokenTtl: 1, env: { REFRESH_TOKEN_TTL: '1' } });
  });
  afterAll(async () => {
    await shortLived?.stop();
  });

  it('answers token_expired once the access token lapses, and the refresh token expires too', async () => {
    const tokens = await shortLived.login(DEMO.email, DEMO.password);
    expect(tokens.expires_in).toBe(1);
    await shortLived.resetStats();
    await sleep(2100);
    const me = await fetch(`${shortLived.url}/auth/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(me.status).toBe(401);
    expect(me.headers.get('www-authenticate')).toContain('invalid_token');
    expect(await me.json()).toMatchObject({ code: 'token_expired' });
    const res = await fetch(`${shortLived.url}/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refresh_token: tokens.refresh_token }),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'invalid_grant' });
    const stats = await shortLived.stats();
    expect(stats.expired_token_requests).toBe(1);
    expect(stats.invalid_token_requests).toBe(0);
    expect(stats.refresh_reuse_detected).toBe(0);
  });
});

describe('notes', () => {
  let demo: string;
  let second: string;
  beforeAll(async () => {
    demo = (await backend.login(DEMO.email, DEMO.password)).access_token;
    second = (await backend.login(SECOND.email, SECOND.password)).access_token;
  });

  it('creates, reads, lists newest first, updates and deletes a note', async () => {
    const created = await call('/notes', { method: 'POST', token: demo, json: { title: 'First', body: 'one' } });
    expect(created.status).toBe(201);
    const a = (await created.json()) as { id: number; title: string; body: string; created_at: string };
    expect(a).toEqual({ id: expect.any(Number), title: 'First', body: 'one', created_at: expect.any(String), updated_at: a.created_at });
    const b = await (await call('/notes', { method: 'POST', token: demo, json: { title: 'Second' } })).json();
    expect(b).toMatchObject({ title: 'Second', body: '' });

    const list = (await (await call('/notes', { token: demo })).json()) as { id: number }[];
    expect(list.map((n) => n.id).slice(0, 2)).toEqual([b.id, a.id]);
    expect(await (await call(`/notes/${a.id}`, { token: demo })).json()).toEqual(a);

    const patched = await call(`/notes/${a.id}`, { method: 'PATCH', token: demo, json: { body: 'changed' } });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ id: a.id, title: 'First', body: 'changed' });

    expect((await call(`/notes/${a.id}`, { method: 'DELETE', token: demo })).status).toBe(204);
    expect((await call(`/notes/${a.id}`, { token: demo })).status).toBe(404);
    expect((await call(`/notes/${a.id}`, { method: 'DELETE', token: demo })).status).toBe(404);
  });

  it("answers 404 (never 403) for another user's note and never lists it", async () => {
    const note = await (await call('/notes', { method: 'POST', token: demo, json: { title: 'private' } })).json();
    for (const init of [{}, { method: 'PATCH', json: { title: 'hacked' } }, { method: 'DELETE' }]) {
      const res = await call(`/notes/${note.id}`, { ...init, token: second });
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ code: 'not_found' });
    }
    const list = (await (await call('/notes', { token: second })).json()) as { id: number }[];
    expect(list.some((n) => n.id === note.id)).toBe(false);
    expect(await (await call(`/notes/${note.id}`, { token: demo })).json()).toMatchObject({ title: 'private' });
  });

  it('rejects malformed input with 400 invalid_request and never 500', async () => {
    const note = await (await call('/notes', { method: 'POST', token: demo, json: { title: 'x' } })).json();
    const json = { 'content-type': 'application/json' };
    const cases: [string, string, RequestInit][] = [
      ['POST', '/notes', { headers: json, body: '{not json' }],
      ['POST', '/notes', { headers: json, body: '' }],
      ['POST', '/notes', { headers: json, body: '[]' }],
      ['POST', '/notes', { headers: json, body: 'null' }],
      ['POST', '/notes', { headers: json, body: '"title"' }],
      ['POST', '/notes', { headers: json, body: '{}' }],
      ['POST', '/notes', { headers: json, body: '{"title":42}' }],
      ['POST', '/notes', { headers: json, body: '{"title":""}' }],
      ['POST', '/notes', { headers: json, body: '{"title":"   "}' }],
      ['POST', '/notes', { headers: json, body: JSON.stringify({ title: 'x'.repeat(201) }) }],
      ['POST', '/notes', { headers: json, body: JSON.stringify({ title: 'ok', body: 'x'.repeat(10_001) }) }],
      ['POST', '/notes', { headers: json, body: '{"title":"ok","body":["a"]}' }],
      ['POST', '/notes', { headers: json, body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) }],
      ['POST', '/notes', { headers: { 'content-type': 'text/plain' }, body: '{"title":"x"}' }],
      ['PATCH', `/notes/${note.id}`, { headers: json, body: '{}' }],
      ['PATCH', `/notes/${note.id}`, { headers: json, body: '{"title":null}' }],
      ['GET', '/notes/abc', {}],
      ['GET', '/notes/0', {}],
      ['GET', '/notes/-1', {}],
      ['GET', '/notes/1.5', {}],
      ['GET', '/notes/99999999999999999999', {}],
      ['GET', '/notes/%zz', {}],
      ['DELETE', '/notes/1e3', {}],
      ['GET', '/notes/export/stream?bytes=abc', {}],
      ['GET', `/notes/export/stream?bytes=${300 * MB + 1}`, {}],
      ['GET', '/notes/export/stream', {}],
      ['GET', '/notes/slow?ms=60001', {}],
      ['GET', '/notes/slow?ms=-5', {}],
    ];
    for (const [method, path, init] of cases) {
      const res = await call(path, { ...init, method, token: demo });
      const label = `${method} ${path} ${String(init.body ?? '').slice(0, 40)}`;
      expect([400], label).toContain(res.status);
      expect(await res.json(), label).toMatchObject({ code: 'invalid_request', message: expect.any(String) });
    }
    const proto = await call('/notes', { method: 'POST', token: demo, headers: json, body: '{"title":"a","__proto__":{"x":1}}' });
    expect(proto.status).toBe(201);
    expect(await proto.json()).toMatchObject({ title: 'a', body: '' });
  });

  it('rejects malformed auth bodies with 400, and a body over 1 MB with 413', async () => {
    const bodies = [
      '{"email":"demo@example.com"}',
      '{"email":1,"password":"x"}',
      '{"email":"","password":"x"}',
      `{"email":"demo@example.com","password":"${'p'.repeat(2000)}"}`,
      '[1,2]',
      'nope',
    ];
    for (const body of bodies) {
      const res = await call('/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(res.status, body.slice(0, 40)).toBe(400);
      expect(await res.json()).toMatchObject({ code: 'invalid_request' });
    }
    for (const path of ['/auth/refresh', '/auth/logout']) {
      const res = await call(path, { method: 'POST', json: { refresh_token: 7 } });
      expect(res.status).toBe(400);
    }
    const huge = JSON.stringify({ title: 'x', body: 'y'.repeat(2 * MB) });
    for (const path of ['/notes', '/auth/login']) {
      const res = await call(path, { method: 'POST', token: demo, headers: { 'content-type': 'application/json' }, body: huge });
      expect(res.status).toBe(413);
      expect(await res.json()).toMatchObject({ code: 'payload_too_large' });
    }
  });

  it('answers unknown routes and methods with 404 JSON', async () => {
    for (const [method, path] of [['GET', '/nope'], ['PUT', '/notes'], ['GET', '/auth/login'], ['GET', '/__nope']]) {
      const res = await call(path!, { method, token: demo });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.headers.get('content-type')).toContain('application/json');
      expect(await res.json()).toMatchObject({ code: 'not_found' });
    }
  });
});

describe('large bodies and slow responses', () => {
  let token: string;
  beforeAll(async () => {
    token = (await backend.login(DEMO.email, DEMO.password)).access_token;
  });

  it('streams a 50 MB download of deterministic bytes (byte k = k % 251)', async () => {
    const size = 50 * MB;
    const res = await call(`/notes/export/stream?bytes=${size}`, { token });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(res.headers.get('content-length')).toBe(String(size));
    let offset = 0;
    let mismatches = 0;
    const reader = res.body!.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      for (let i = 0; i < value.length; i += 4099) if (value[i] !== (offset + i) % 251) mismatches++;
      if (value[value.length - 1] !== (offset + value.length - 1) % 251) mismatches++;
      offset += value.length;
    }
    expect(offset).toBe(size);
    expect(mismatches).toBe(0);
  });

  it('consumes a 20 MB upload streamed from a generator and reports its size and sha256', async () => {
    const size = 20 * MB;
    const expected = createHash('sha256');
    async function* chunks() {
      let sent = 0;
      let seed = 1;
      while (sent < size) {
        const chunk = new Uint8Array(Math.min(64 * 1024 + 7, size - sent));
        for (let i = 0; i < chunk.length; i++) chunk[i] = seed = (seed * 1103515245 + 12345) & 0xff;
        expected.update(chunk);
        sent += chunk.length;
        yield chunk;
      }
    }
    const iterator = chunks();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = await iterator.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
    });
    const res = await call('/notes/import/stream', {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/octet-stream' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ bytes: size, sha256: expected.digest('hex') });
  });

  it('protects the stream endpoints with the bearer token', async () => {
    expect((await call('/notes/export/stream?bytes=10')).status).toBe(401);
    expect((await call('/notes/import/stream', { method: 'POST', body: 'x' })).status).toBe(401);
    expect((await call('/notes/slow?ms=1')).status).toBe(401);
  });

  it('waits the requested time on /notes/slow', async () => {
    const started = Date.now();
    const res = await call('/notes/slow?ms=300', { token });
    expect(await res.json()).toEqual({ ok: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('survives a client that aborts a slow request and a download midway', async () => {
    const controller = new AbortController();
    const slow = call('/notes/slow?ms=5000', { token, signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await expect(slow).rejects.toThrow();
    const download = await call(`/notes/export/stream?bytes=${200 * MB}`, { token });
    const reader = download.body!.getReader();
    await reader.read();
    await reader.cancel();
    expect((await call('/auth/me', { token })).status).toBe(200);
  });
});

describe('CORS', () => {
  const allowed = 'http://localhost:3000';
  let withCors: RunningBackend;
  beforeAll(async () => {
    withCors = await startBackend({ env: { CORS_ORIGIN: allowed } });
  });
  afterAll(async () => {
    await withCors?.stop();
  });

  it('sends no CORS headers when CORS_ORIGIN is not configured', async () => {
    const res = await call('/auth/login', { method: 'POST', json: DEMO, headers: { origin: allowed } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('allows exactly the configured origin on login and JWKS, without credentials', async () => {
    const preflight = await fetch(`${withCors.url}/auth/login`, {
      method: 'OPTIONS',
      headers: { origin: allowed, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(allowed);
    expect(preflight.headers.get('access-control-allow-headers')).toBe('content-type');
    expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();

    const login = await fetch(`${withCors.url}/auth/login`, {
      method: 'POST',
      headers: { origin: allowed, 'content-type': 'application/json' },
      body: JSON.stringify(DEMO),
    });
    expect(login.status).toBe(200);
    expect(login.headers.get('access-control-allow-origin')).toBe(allowed);
    expect(login.headers.get('vary')).toContain('Origin');
    expect(login.headers.get('access-control-allow-credentials')).toBeNull();

    const jwks = await fetch(`${withCors.url}/.well-known/jwks.json`, { headers: { origin: allowed } });
    expect(jwks.headers.get('access-control-allow-origin')).toBe(allowed);
  });

  it('gives foreign origins and every other route no CORS headers', async () => {
    for (const origin of ['http://evil.example', 'http://localhost:3000.evil.example', 'null', 'http://localhost:3001']) {
      const preflight = await fetch(`${withCors.url}/auth/login`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST' },
      });
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
      const login = await fetch(`${withCors.url}/auth/login`, {
        method: 'POST',
        headers: { origin, 'content-type': 'application/json' },
        body: JSON.stringify(DEMO),
      });
      expect(login.headers.get('access-control-allow-origin')).toBeNull();
    }
    const { access_token, refresh_token } = await withCors.login(DEMO.email, DEMO.password);
    const others = [
      fetch(`${withCors.url}/notes`, { headers: { origin: allowed, authorization: `Bearer ${access_token}` } }),
      fetch(`${withCors.url}/auth/me`, { headers: { origin: allowed, authorization: `Bearer ${access_token}` } }),
      fetch(`${withCors.url}/auth/refresh`, {
        method: 'POST',
        headers: { origin: allowed, 'content-type': 'application/json' },
        body: JSON.stringify({ refresh_token }),
      }),
      fetch(`${withCors.url}/notes`, { method: 'OPTIONS', headers: { origin: allowed, 'access-control-request-method': 'GET' } }),
    ];
    for (const res of await Promise.all(others)) {
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    }
  });
});

describe('stats', () => {
  it('counts requests and records the last request headers, ignoring /__stats itself', async () => {
    await backend.resetStats();
    const { access_token } = await backend.login(DEMO.email, DEMO.password);
    await call('/auth/login', { method: 'POST', json: { ...DEMO, password: 'bad' } });
    await call('/notes?x=1', { token: access_token, headers: { cookie: 'a=b', 'X-Custom': 'Yes' } });
    await backend.stats();
    const stats = await backend.stats();
    expect(stats).toMatchObject({ requests: 3, logins: 1, login_failures: 1, bearer_requests: 1 });
    expect(stats.last_request).toMatchObject({ method: 'GET', path: '/notes', query: 'x=1' });
    expect(stats.last_request!.headers).toMatchObject({
      cookie: 'a=b',
      'x-custom': 'Yes',
      authorization: `Bearer ${access_token}`,
    });
    await backend.resetStats();
    expect(await backend.stats()).toMatchObject({ requests: 0, logins: 0, last_request: null });
  });

  it('hides /__stats and /__test when stats are disabled', async () => {
    const plain = await startBackend({ env: { EXAMPLE_BACKEND_STATS: '0' } });
    try {
      for (const [method, path] of [['GET', '/__stats'], ['POST', '/__stats/reset'], ['POST', '/__test/revoke']]) {
        const res = await fetch(plain.url + path!, { method });
        expect(res.status).toBe(404);
      }
    } finally {
      await plain.stop();
    }
  });
});

describe('process lifecycle', () => {
  it('never hit the global error handler during this whole file', () => {
    expect(backend.output()).not.toContain('unhandled error');
    expect(backend.output()).not.toMatch(/\n\s+at /);
  });

  it('persists to a SQLite file, seeds idempotently and shuts down cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bffkit-backend-'));
    const env = { DATABASE_PATH: join(dir, 'backend.sqlite') };
    try {
      const first = await startBackend({ env });
      const { access_token } = await first.login(DEMO.email, DEMO.password);
      const note = await (
        await fetch(`${first.url}/notes`, {
          method: 'POST',
          headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ title: 'kept' }),
        })
      ).json();
      await first.stop();
      expect(first.output()).toContain('example backend listening on http://127.0.0.1:');
      expect(first.output()).toContain('stopping (SIGTERM)');

      const second = await startBackend({ env });
      try {
        const tokens = await second.login(DEMO.email, DEMO.password);
        const list = await (await fetch(`${second.url}/notes`, { headers: { authorization: `Bearer ${tokens.access_token}` } })).json();
        expect(list).toEqual([expect.objectContaining({ id: note.id, title: 'kept' })]);
        const me = await (await fetch(`${second.url}/auth/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } })).json();
        expect(me.id).toBe('1');
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
