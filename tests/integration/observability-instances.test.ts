/**
 * refresh.lock_waited over real processes: two instances of the example app share one redis-server
 * (the refresh lock and successor record live there) and one backend. Instance A reaches the backend
 * through a small proxy of this test that holds `/auth/refresh` for a second, so A's refresh is
 * surely still holding the lock when B needs the same refresh: B waits, then takes A's successor record.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecrets, printedEvents, secretsOf, waitForEvent } from '../support/app-events';
import { startApp, TEST_SECRET, type AppProcess } from '../support/app-process';
import { startBackend, type RunningBackend } from '../support/backend-process';
import { getJson, jsonPost, setCookies } from '../support/http';
import { startRedis, type RedisProcess } from '../support/redis-process';

const TTL = 6;
const HOLD_MS = 1_000;
const DEMO = { email: 'demo@example.com', password: 'demo-password' };

let redis: RedisProcess;
let backend: RunningBackend;
let delaying: Server;
let a: AppProcess;
let b: AppProcess;
const cookieValues: string[] = [];

/** Passes every request to the backend, holding POST /auth/refresh for HOLD_MS first. */
function startDelayingProxy(target: string): Promise<Server> {
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const forward = () => {
      const out = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      out.on('error', () => res.destroy());
      req.pipe(out);
    };
    if (req.method === 'POST' && req.url === '/auth/refresh') setTimeout(forward, HOLD_MS);
    else forward();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  [redis, backend] = await Promise.all([startRedis(), startBackend({ accessTokenTtl: TTL })]);
  delaying = await startDelayingProxy(backend.url);
  const env = { BFF_SESSION_STORE: 'redis', REDIS_URL: redis.url };
  const viaProxy = `http://127.0.0.1:${(delaying.address() as AddressInfo).port}`;
  [a, b] = await Promise.all([startApp({ backendUrl: viaProxy, env }), startApp({ backendUrl: backend.url, env })]);
});
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await new Promise<void>((resolve) => (delaying ? delaying.close(() => resolve()) : resolve()));
  await backend?.stop();
  await redis?.stop();
});

describe('refresh across two instances', () => {
  it('the instance that found the lock held emits refresh.lock_waited and refresh.successor_used; the other refresh.succeeded', async () => {
    const login = await jsonPost(`${a.url}/api/auth/login`, DEMO);
    expect(login.status).toBe(200);
    const value = setCookies(login).find((c) => c.name === 'bffkit')!.value;
    cookieValues.push(value);
    const cookie = `bffkit=${value}`;
    await new Promise((r) => setTimeout(r, (TTL - 0.5) * 1000));
    await backend.resetStats();
    const [fromA, fromB] = [printedEvents(a.output()).length, printedEvents(b.output()).length];

    const first = getJson(`${a.url}/api/backend/notes`, { cookie });
    // A now holds the lock in Redis while its refresh call waits in the proxy.
    await new Promise((r) => setTimeout(r, HOLD_MS / 3));
    const second = getJson(`${b.url}/api/backend/notes`, { cookie });
    const [ra, rb] = await Promise.all([first, second]);
    expect([ra.status, rb.status]).toEqual([200, 200]);
    await Promise.all([ra.arrayBuffer(), rb.arrayBuffer()]);
    expect((await backend.stats()).refreshes).toBe(1);

    const waited = await waitForEvent(b, (e) => e.type === 'refresh.lock_waited', { after: fromB });
    expect(waited).toMatchObject({ result: 'successor', outcome: 'success', userId: expect.any(String), sessionIdHash: expect.any(String) });
    expect(waited.waitedMs as number).toBeGreaterThan(0);
    await waitForEvent(b, (e) => e.type === 'refresh.successor_used', { after: fromB });
    const succeeded = await waitForEvent(a, (e) => e.type === 'refresh.succeeded', { after: fromA });
    expect(succeeded.durationMs as number).toBeGreaterThanOrEqual(HOLD_MS - 50);
    expect(succeeded.sessionIdHash).toBe(waited.sessionIdHash);
    expect(printedEvents(b.output()).slice(fromB).map((e) => e.type)).not.toContain('refresh.succeeded');
  });

  it('no event of either instance holds a token, password, cookie value or secret', () => {
    // Store mode: the cookie holds a sealed id; the tokens live in Redis, so only the values themselves are checked.
    const secrets = secretsOf(cookieValues, [TEST_SECRET, DEMO.password]);
    expectNoSecrets([...printedEvents(a.output()), ...printedEvents(b.output())], secrets);
    for (const app of [a, b]) expect(app.output()).not.toMatch(/unhandled|uncaught|events handler/i);
  });
});
