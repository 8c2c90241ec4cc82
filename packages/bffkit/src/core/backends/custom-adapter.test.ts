/**
 * The custom adapter of docs/adapters.md, verbatim but for the URL, built only from what `bffkit`
 * exports, run through the whole Bff against a scripted backend: login, forwarding, a diagnostic
 * logged once, logout with the revocation reported.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBff, failureFromError, failureFromStatus, type BackendAdapter, type BackendResult } from '../../index';
import { APP, cookieHeaderFrom, jsonPost, recordingLogger, SECRET } from '../testing/support';
import { scriptedServer, type ScriptedServer } from '../testing/scripted-server';

function acme(base: string): BackendAdapter {
  const API = new URL(base);
  const now = () => Math.floor(Date.now() / 1000);

  async function call<T>(step: 'login' | 'user' | 'logout', method: string, path: string, init: RequestInit = {}): Promise<BackendResult<T>> {
    const request = `${method} ${path}`;
    try {
      const res = await fetch(new URL(path, API), { ...init, method, redirect: 'manual', signal: AbortSignal.timeout(10_000) });
      if (!res.ok) return failureFromStatus(step, res.status, { request });
      return { ok: true, value: (res.status === 204 ? null : await res.json()) as T };
    } catch (error) {
      return failureFromError(step, error, { request, target: API, timeout: 10 });
    }
  }
  const session = (sid: string) => ({ headers: { authorization: `Session ${sid}` } });

  return {
    kind: 'acme-sessions',
    userVerifiesToken: true,
    async login({ email, password }) {
      const r = await call<{ sid: string; ttl: number }>('login', 'POST', '/v2/sessions', {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password }),
      });
      return r.ok ? { ok: true, value: { accessToken: r.value.sid, expiresAt: now() + r.value.ttl, issuedAt: now() } } : r;
    },
    refresh: async () => ({ ok: false, reason: 'rejected' }), // no refresh: the session ends at expiresAt
    async revoke(tokens) {
      const r = await call('logout', 'DELETE', '/v2/sessions/current', session(tokens.accessToken));
      return r.ok ? { ok: true, value: 'revoked' } : r;
    },
    async user(tokens) {
      const r = await call<{ id: number; email: string }>('user', 'GET', '/v2/me', session(tokens.accessToken));
      return r.ok ? { ok: true, value: { id: String(r.value.id), email: r.value.email } } : r;
    },
  };
}

let server: ScriptedServer;
beforeEach(async () => {
  server = await scriptedServer();
  server.routes.set('POST /v2/sessions', (req) => (JSON.parse(req.body).password === 'pw' ? { status: 201, json: { sid: 'sid-secret-1', ttl: 3600 } } : { status: 401, json: {} }));
  server.routes.set('GET /v2/me', (req) => (req.headers.authorization === 'Session sid-secret-1' ? { json: { id: 7, email: 'a@example.com' } } : { status: 401 }));
  server.routes.set('GET /v2/notes', (req) => (req.headers.authorization === 'Bearer sid-secret-1' ? { json: [] } : { status: 401 }));
});
afterEach(() => server.close());

describe('the documented custom adapter', () => {
  const setup = () => {
    const logger = recordingLogger();
    const bff = createBff({
      secret: SECRET, baseUrl: APP, backend: acme(server.url), logger,
      upstreams: { api: { url: server.url, mount: '/api/backend', allow: [{ path: '/v2/notes', methods: ['GET'] }] } },
    });
    return { bff, logger };
  };

  it('signs in, forwards with the session token, and a wrong password is 401 login_failed', async () => {
    const { bff } = setup();
    const res = await bff.handleAuth(jsonPost('/api/auth/login', { email: 'a@example.com', password: 'pw' }));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { user: unknown }).user).toEqual({ id: '7', email: 'a@example.com' });
    const cookie = cookieHeaderFrom(res.headers.getSetCookie());
    expect((await bff.fetchBackend(cookie, 'api', '/v2/notes')).response.status).toBe(200);
    expect((await bff.handleAuth(jsonPost('/api/auth/login', { email: 'a@example.com', password: 'no' }))).status).toBe(401);
  });

  it('reports a failed revocation in the logout answer and logs it once with a hint', async () => {
    const { bff, logger } = setup();
    for (let i = 0; i < 2; i++) {
      const cookie = cookieHeaderFrom((await bff.handleAuth(jsonPost('/api/auth/login', { email: 'a@example.com', password: 'pw' }))).headers.getSetCookie());
      const res = await bff.handleAuth(jsonPost('/api/auth/logout', {}, { cookie }));
      expect(await res.json()).toEqual({ status: 'unauthenticated', revocation: 'failed' });
    }
    const lines = logger.lines.filter((l) => l.message.startsWith('backend '));
    expect(lines.map((l) => l.message)).toEqual([
      'backend logout failed (not-found): DELETE /v2/sessions/current answered 404. Hint: check the backend url and logout.path (is a path prefix such as /api missing or doubled?)',
    ]);
    server.routes.set('DELETE /v2/sessions/current', { status: 204 });
    const cookie = cookieHeaderFrom((await bff.handleAuth(jsonPost('/api/auth/login', { email: 'a@example.com', password: 'pw' }))).headers.getSetCookie());
    expect(await (await bff.handleAuth(jsonPost('/api/auth/logout', {}, { cookie }))).json()).toEqual({ status: 'unauthenticated' });
  });
});
