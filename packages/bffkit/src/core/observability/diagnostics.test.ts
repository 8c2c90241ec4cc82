import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { behaviours, startRecordingUpstream, type RecordingUpstream } from '../../../../../tests/support/recording-upstream';
import type { BffOptions } from '../config';
import { ConfigError } from '../errors';
import { DEMO, SECRET, get, jsonPost, login, testBff } from '../testing/support';
import { sessionIdHash } from './emitter';

const TOKEN = 'diagnostics-token-for-unit-tests-0123456789';
let up: RecordingUpstream;
const env = process.env.NODE_ENV;

beforeAll(async () => {
  up = await startRecordingUpstream(behaviours.respond(404, {}, 'no such route'));
});
afterAll(() => up.close());
afterEach(() => {
  process.env.NODE_ENV = env;
});

function withDiagnostics(diagnostics: BffOptions['diagnostics'], extra: Partial<BffOptions> = {}) {
  return testBff({
    diagnostics,
    events: () => undefined,
    upstreams: {
      api: { url: up.url, mount: '/api/backend', allow: [{ path: '/notes', methods: ['GET'] }] },
      down: { url: 'http://127.0.0.1:9', mount: '/api/down', allow: [{ path: '/x', methods: ['GET'] }] },
    },
    ...extra,
  });
}

const diagnostics = (headers: Record<string, string> = {}, cookie?: string) => get('/api/auth/diagnostics', { headers, ...(cookie && { cookie }) });

describe('GET {basePath}/diagnostics: the guard', () => {
  it('is off by default outside development (404, like an unknown route)', async () => {
    const { bff } = testBff();
    const res = await bff.handleAuth(diagnostics());
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ code: 'not_found', message: 'No such auth route.' });
  });

  it('is on by default with NODE_ENV=development, and off again when disabled', async () => {
    process.env.NODE_ENV = 'development';
    expect((await testBff().bff.handleAuth(diagnostics())).status).toBe(200);
    expect((await testBff({ diagnostics: { enabled: false } }).bff.handleAuth(diagnostics())).status).toBe(404);
  });

  it('never starts enabled in production without a token of at least 32 characters', () => {
    process.env.NODE_ENV = 'production';
    expect(() => testBff({ diagnostics: { enabled: true } })).toThrow(ConfigError);
    expect(() => testBff({ diagnostics: { enabled: true } })).toThrow(/diagnostics\.token/);
    expect(() => testBff({ diagnostics: { enabled: true, token: 'short' } })).toThrow(/at least 32/);
    expect(testBff({ diagnostics: { token: TOKEN } }).bff.config.observability.diagnostics.enabled).toBe(false);
    const { logger } = testBff({ diagnostics: { enabled: true, token: TOKEN } });
    expect(logger.lines.map((l) => l.message)).toContainEqual(expect.stringContaining('diagnostics endpoint is enabled in production'));
  });

  it('with a token: 401 without it, with a wrong one, a prefix or another scheme; 200 with it', async () => {
    const { bff } = withDiagnostics({ enabled: true, token: TOKEN });
    for (const authorization of [undefined, 'Bearer wrong', `Bearer ${TOKEN.slice(0, -1)}`, `Bearer ${TOKEN}x`, `Basic ${TOKEN}`, TOKEN, `Bearer  ${TOKEN}`]) {
      const res = await bff.handleAuth(diagnostics(authorization === undefined ? {} : { authorization }));
      expect([authorization, res.status]).toEqual([authorization, 401]);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(JSON.stringify(await res.json())).not.toContain(TOKEN);
    }
    expect((await bff.handleAuth(diagnostics({ authorization: `Bearer ${TOKEN}` }))).status).toBe(200);
  });

  it('is GET only (405 for POST), and never CORS-readable', async () => {
    const { bff } = withDiagnostics({ enabled: true });
    expect((await bff.handleAuth(jsonPost('/api/auth/diagnostics', {}))).status).toBe(405);
    const res = await bff.handleAuth(diagnostics({ origin: 'https://evil.example' }));
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('cache-control')).toBe('private, no-store');
  });
});

describe('GET {basePath}/diagnostics: the report', () => {
  it('shows the configuration with secrets masked, the caller\'s session without tokens, recent events and reachability', async () => {
    const { bff } = withDiagnostics({ enabled: true, token: TOKEN, recentEvents: 5 });
    const { cookie } = await login(bff);
    await bff.handleAuth(jsonPost('/api/auth/login', { email: DEMO.email, password: 'wrong-password' }));
    const res = await bff.handleAuth(diagnostics({ authorization: `Bearer ${TOKEN}` }, cookie));
    const text = await res.text();
    const body = JSON.parse(text);
    expect(body.config).toMatchObject({
      secret: '[masked] (1 secret)', baseUrl: 'http://localhost:3000', basePath: '/api/auth', backend: 'fake',
      csrf: { headerName: 'x-csrf', headerValue: '[masked]' }, diagnostics: { enabled: true, token: '[masked]', recentEvents: 5 },
      session: { mode: 'sealed cookie', idleTimeout: 86400, absoluteTimeout: 604800 }, events: 'handler set',
    });
    expect(body.config.upstreams.map((u: { name: string }) => u.name)).toEqual(['api', 'down']);
    const id = (await bff.listSessions(cookie))[0]!.id;
    expect(body.session).toMatchObject({
      status: 'authenticated', userId: 'u1', sessionIdHash: sessionIdHash(id), refreshToken: 'present', idToken: 'absent',
      accessToken: { expiresIn: 300, refreshDue: false },
    });
    expect(Date.parse(body.session.absoluteExpiresAt) - Date.parse(body.session.createdAt)).toBe(604800 * 1000);
    expect(body.events.recent.map((e: { type: string }) => e.type)).toEqual(['config.warning', 'login.succeeded', 'login.failed']);
    expect(body.events.delivery).toMatchObject({ failed: 0, dropped: 0 });
    expect(body.upstreams).toEqual([
      { name: 'api', url: up.url, reachable: true, status: 404, ms: expect.any(Number) },
      { name: 'down', url: 'http://127.0.0.1:9', reachable: false, error: 'upstream_unavailable', ms: expect.any(Number) },
    ]);
    // The probe carries no credential.
    expect(up.requests.at(-1)!.headers).not.toHaveProperty('authorization');
    expect(up.requests.at(-1)!.headers).not.toHaveProperty('cookie');
    // Nothing secret anywhere in the report.
    for (const needle of [SECRET, TOKEN, 'wrong-password', DEMO.password, cookie.split('=')[1]!]) expect(text).not.toContain(needle);
    expect(text).not.toMatch(/access-token-|refresh-token-/);
    expect(text).not.toContain(id);
  });

  it('keeps only the last N events', async () => {
    const { bff } = withDiagnostics({ enabled: true, recentEvents: 2 });
    for (let i = 0; i < 4; i++) await bff.handleAuth(jsonPost('/api/auth/login', { email: DEMO.email, password: `nope-${i}` }));
    const body = await (await bff.handleAuth(diagnostics())).json();
    expect(body.events.recent).toHaveLength(2);
    expect(body.session).toEqual({ status: 'unauthenticated' });
  });
});
