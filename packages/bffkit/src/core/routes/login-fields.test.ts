/**
 * The login route with a backend whose login fields have other names: it requires the fields the
 * adapter names, sends only those, and counts the rate limit per the identity the backend checks.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { credentialsBackend, type CredentialsBackendOptions } from '../backends/credentials';
import { createBff } from '../bff';
import { APP, fakeClock, jsonPost, recordingLogger, SECRET } from '../testing/support';
import { scriptedServer, type ScriptedServer } from '../testing/scripted-server';

let server: ScriptedServer;
beforeEach(async () => {
  server = await scriptedServer();
  server.routes.set('POST /auth/login', { status: 401, json: { code: 'invalid_credentials' } });
});
afterEach(() => server.close());

function bff(options: Partial<CredentialsBackendOptions> = {}, extra: { trustProxy?: boolean } = {}) {
  const clock = fakeClock();
  return createBff({ secret: SECRET, baseUrl: APP, backend: credentialsBackend({ url: server.url, clock, ...options }), clock, logger: recordingLogger(), ...extra });
}
const post = (b: ReturnType<typeof bff>, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  b.handleAuth(jsonPost('/api/auth/login', body, { headers }));

describe('login with mapped fields', () => {
  it('requires the fields the adapter names and says which', async () => {
    const b = bff({ login: { fields: { identifier: 'username', password: 'password' } } });
    const res = await post(b, { email: 'a@example.com', password: 'x' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ code: 'invalid_request', message: 'Username and password are required.' });
    expect(server.seen).toHaveLength(0);
  });

  it('sends only the mapped fields, under the backend names', async () => {
    const b = bff({ login: { fields: { identifier: 'email', password: 'password' } } });
    await post(b, { email: 'a@example.com', password: 'x', identifier: 'b@example.com', role: 'admin' });
    expect(JSON.parse(server.seen[0]!.body)).toEqual({ identifier: 'a@example.com', password: 'x' });
  });

  it('counts the limit per identity the backend checks, whatever else the browser sends', async () => {
    const b = bff({ login: { fields: { identifier: 'email', password: 'password' } } });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await post(b, { email: 'victim@example.com', identifier: `decoy-${i}@example.com`, password: `guess-${i}` })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    expect(server.seen).toHaveLength(5);
  });

  it('passes the client address to the adapter only when the proxy is trusted', async () => {
    server.routes.set('POST /api/auth/sign-in/email', { status: 401, json: {} });
    await post(bff({ preset: 'betterAuth' }, { trustProxy: true }), { email: 'a@example.com', password: 'x' }, { 'x-forwarded-for': '203.0.113.7' });
    await post(bff({ preset: 'betterAuth' }), { email: 'a@example.com', password: 'x' }, { 'x-forwarded-for': '203.0.113.7' });
    expect(server.seen.map((s) => s.headers['x-forwarded-for'])).toEqual(['203.0.113.7', undefined]);
  });
});
