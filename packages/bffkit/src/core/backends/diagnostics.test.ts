/**
 * Server-side diagnostics of backend failures, through the whole Bff with a real (scripted) HTTP
 * backend: each kind of failure prints exactly one log line per spell, with a hint and no secret.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBff } from '../bff';
import { APP, cookieHeaderFrom, fakeClock, fakeJwt, jsonPost, recordingLogger, SECRET, START, type FakeClock, type RecordingLogger } from '../testing/support';
import { scriptedServer, type ScriptedReply, type ScriptedServer } from '../testing/scripted-server';
import { FIVE_MINUTES } from '../time';
import type { BackendAdapter } from './adapter';
import { credentialsBackend, type CredentialsBackendOptions } from './credentials';
import { DiagnosticLog, formatDiagnostic, type BackendDiagnostic } from './diagnostics';
import { observeBackend } from './observed-backend';

const PASSWORD = 'hunter2-secret-password';
const ACCESS = fakeJwt({ sub: 'u1', exp: START + 3600, marker: 'secret-access' });
const REFRESH = 'secret-refresh-token-0123456789';
const SECRETS = [PASSWORD, ACCESS, REFRESH, 'secret-access', SECRET];

let server: ScriptedServer;
let clock: FakeClock;
let logger: RecordingLogger;
beforeEach(async () => {
  server = await scriptedServer();
  clock = fakeClock();
  logger = recordingLogger();
});
afterEach(() => server.close());

function bffWith(options: Partial<CredentialsBackendOptions> = {}, url = server.url) {
  const backend = credentialsBackend({ url, clock, timeout: 0.3, ...options });
  return createBff({ secret: SECRET, baseUrl: APP, backend, clock, logger });
}
const login = (bff: ReturnType<typeof bffWith>) => bff.handleAuth(jsonPost('/api/auth/login', { email: 'a@example.com', password: PASSWORD }));
const backendLines = () => logger.lines.filter((l) => l.message.startsWith('backend '));

function expectOneLine(kind: string, level: 'warn' | 'info' = 'warn') {
  const lines = backendLines();
  expect(lines.map((l) => l.message)).toHaveLength(1);
  expect(lines[0]!.level).toBe(level);
  expect(lines[0]!.message).toContain(`(${kind})`);
  expect(lines[0]!.message).toMatch(/\. Hint: \S/);
  for (const secret of SECRETS) expect(lines[0]!.message).not.toContain(secret);
  return lines[0]!.message;
}

const LOGIN_OK: ScriptedReply = { json: { access_token: ACCESS, refresh_token: REFRESH, expires_in: 300 } };

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('one log line per failure kind (login), with a hint and no secret; the browser gets the generic answer', () => {
  it.each([
    ['server-error', { status: 500, text: 'boom' }, 502],
    ['redirect', { status: 302, headers: { location: '/elsewhere' } }, 502],
    ['not-found', { status: 404, json: { detail: 'Not found.' } }, 502],
    ['method-not-allowed', { status: 405, json: {} }, 502],
    ['rate-limited', { status: 429, json: { message: 'Too many requests.' } }, 502],
    ['origin-refused', { status: 403, json: { code: 'MISSING_OR_NULL_ORIGIN' } }, 401],
    ['unparseable', { text: '<html>login page</html>' }, 502],
    ['missing-field', { json: { data: { access_token: ACCESS, refresh_token: REFRESH } } }, 502],
  ] as [string, ScriptedReply, number][])('%s', async (kind, reply, status) => {
    server.routes.set('POST /auth/login', reply);
    const bff = bffWith();
    for (let i = 0; i < 3; i++) {
      const res = await login(bff);
      expect(res.status).toBe(status);
      const text = await res.text();
      for (const secret of SECRETS) expect(text).not.toContain(secret);
      expect(text).not.toMatch(/Hint|auth\/login|access_token/);
    }
    expectOneLine(kind);
  });

  it('refused-request (400) is an info line', async () => {
    server.routes.set('POST /auth/login', { status: 400, json: { username: ['This field is required.'] } });
    const bff = bffWith();
    for (let i = 0; i < 3; i++) expect((await login(bff)).status).toBe(401);
    expect(expectOneLine('refused-request', 'info')).toContain('login.fields (sent: email, password)');
  });

  it('timeout', async () => {
    server.routes.set('POST /auth/login', 'hang');
    const bff = bffWith();
    for (let i = 0; i < 2; i++) expect((await login(bff)).status).toBe(504);
    expect(expectOneLine('timeout')).toContain('no answer within 0.3 s');
  });

  it('unreachable', async () => {
    const port = await closedPort();
    const bff = bffWith({}, `http://127.0.0.1:${port}`);
    for (let i = 0; i < 3; i++) expect((await login(bff)).status).toBe(502);
    expect(expectOneLine('unreachable')).toContain(`could not connect to 127.0.0.1:${port} (ECONNREFUSED)`);
  });

  it('a plain wrong password logs nothing', async () => {
    server.routes.set('POST /auth/login', { status: 401, json: { code: 'invalid_credentials' } });
    const bff = bffWith();
    for (let i = 0; i < 3; i++) expect((await login(bff)).status).toBe(401);
    expect(backendLines()).toEqual([]);
  });
});

describe('the user, refresh and logout steps', () => {
  it.each([
    ['signed-out', { json: null }],
    ['token-refused', { status: 401, json: { detail: 'Authentication credentials were not provided.' } }],
    ['user-unmappable', { json: { nothing: 'here' } }],
  ] as [string, ScriptedReply][])('user %s: login answers the generic failure, one line', async (kind, reply) => {
    server.routes.set('POST /auth/login', LOGIN_OK);
    server.routes.set('GET /auth/me', reply);
    server.routes.set('POST /auth/logout', { status: 204 });
    const bff = bffWith();
    for (let i = 0; i < 3; i++) expect((await login(bff)).status).toBeGreaterThanOrEqual(400);
    const line = expectOneLine(kind);
    expect(line).toMatch(/^backend user failed/);
  });

  it('refresh not-found: the session is kept, one line', async () => {
    server.routes.set('POST /auth/login', LOGIN_OK);
    server.routes.set('GET /auth/me', { json: { id: 'u1' } });
    const bff = bffWith();
    const cookie = cookieHeaderFrom((await login(bff)).headers.getSetCookie());
    for (let i = 0; i < 3; i++) expect((await bff.loadSession(cookie, 'force')).kind).toBe('unavailable');
    expect(expectOneLine('not-found')).toMatch(/^backend refresh failed \(not-found\): POST \/auth\/refresh answered 404/);
  });

  it('logout server-error: reported in the answer as revocation failed, logged once', async () => {
    server.routes.set('POST /auth/login', LOGIN_OK);
    server.routes.set('GET /auth/me', { json: { id: 'u1' } });
    server.routes.set('POST /auth/logout', { status: 503 });
    const bff = bffWith();
    for (let i = 0; i < 2; i++) {
      const cookie = cookieHeaderFrom((await login(bff)).headers.getSetCookie());
      const res = await bff.handleAuth(jsonPost('/api/auth/logout', {}, { cookie }));
      expect(await res.json()).toEqual({ status: 'unauthenticated', revocation: 'failed' });
    }
    expect(expectOneLine('server-error')).toMatch(/^backend logout failed/);
  });
});

describe('spells', () => {
  const d: BackendDiagnostic = { step: 'login', kind: 'not-found', problem: 'POST /x answered 404', hint: 'check login.path' };

  it('a success of the step ends the spell: the next failure is logged again', async () => {
    server.routes.set('POST /auth/login', { status: 404 });
    server.routes.set('GET /auth/me', { json: { id: 'u1' } });
    const bff = bffWith();
    await login(bff);
    await login(bff);
    server.routes.set('POST /auth/login', LOGIN_OK);
    expect((await login(bff)).status).toBe(200);
    server.routes.set('POST /auth/login', { status: 404 });
    await login(bff);
    expect(backendLines()).toHaveLength(2);
  });

  it('after a quiet period the kind is logged again, saying how many were held back', () => {
    const log = new DiagnosticLog(logger, clock);
    expect([log.report(d), log.report(d), log.report(d)]).toEqual([true, false, false]);
    clock.advance(FIVE_MINUTES - 1);
    expect(log.report(d)).toBe(false); // still the same spell: the quiet period restarts with each failure
    clock.advance(FIVE_MINUTES);
    expect(log.report(d)).toBe(true);
    expect(logger.lines.map((l) => l.message)).toEqual([formatDiagnostic(d), `${formatDiagnostic(d)} (3 more like it since the last report)`]);
  });

  it('kinds and steps have spells of their own', () => {
    const log = new DiagnosticLog(logger, clock);
    log.report(d);
    log.report({ ...d, kind: 'timeout' });
    log.report({ ...d, step: 'refresh' });
    expect(logger.lines).toHaveLength(3);
  });
});

describe('observeBackend', () => {
  it('passes other members through and keeps optional methods absent', async () => {
    const adapter: BackendAdapter & { extra(): string } = {
      kind: 'custom',
      extra: () => 'kept',
      refresh: async () => ({ ok: false, reason: 'unavailable' }),
      user: async () => ({ ok: true, value: { id: 'x' } }),
    };
    const observed = observeBackend(adapter, new DiagnosticLog(logger, clock)) as typeof adapter;
    expect(observed.kind).toBe('custom');
    expect(observed.extra()).toBe('kept');
    expect(observed.login).toBeUndefined();
    expect('startLogin' in observed).toBe(false);
    expect(observed.refresh).toBe(observed.refresh);
    expect(await observed.refresh('rt')).toEqual({ ok: false, reason: 'unavailable' });
    expect(logger.lines).toEqual([]); // no diagnostic, not a logout: nothing to say
  });

  it('logs a revocation that throws or fails without details, and answers it as a failure', async () => {
    const adapter: BackendAdapter = {
      kind: 'custom',
      refresh: async () => ({ ok: false, reason: 'unavailable' }),
      user: async () => ({ ok: true, value: { id: 'x' } }),
      revoke: async () => {
        throw new Error(`token ${REFRESH}`);
      },
    };
    const observed = observeBackend(adapter, new DiagnosticLog(logger, clock));
    const tokens = { accessToken: ACCESS, refreshToken: REFRESH, expiresAt: START + 60, issuedAt: START };
    expect(await observed.revoke!(tokens)).toEqual({ ok: false, reason: 'unavailable' });
    expect(logger.lines.map((l) => l.message)).toEqual([
      "backend logout failed (adapter-error): the adapter's revoke() threw Error. Hint: revoke() should answer a result, never throw; the backend session may still be live",
    ]);
  });
});
