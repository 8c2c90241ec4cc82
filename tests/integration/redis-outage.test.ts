/**
 * Issue 7, failure behaviour: the example app on the Redis store while redis-server crashes
 * (SIGKILL) and comes back, and while it is frozen (SIGSTOP: connections open, no answers).
 * Requests that need the session get 503 JSON `store_unavailable`, never a crash and never
 * "signed out"; once Redis is back the same cookie works without signing in again.
 *
 * Redis runs with an append-only file (`appendfsync always`) so a real crash + restart keeps the
 * data, the way a production Redis with persistence (or a replica failover) would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type AppProcess } from '../support/app-process';
import { startBackend, type RunningBackend } from '../support/backend-process';
import { getJson, jsonPost, setCookies } from '../support/http';
import { startRedis, type RedisProcess } from '../support/redis-process';

const COOKIE = 'bffkit';
const DEMO = { email: 'demo@example.com', password: 'demo-password' };
/** The store's deadline is 1 s; allow for the app's own work on top. */
const FAST_MS = 2_000;

let redis: RedisProcess;
let backend: RunningBackend;
let app: AppProcess;
let cookie: string;

async function expectStoreUnavailable(res: Response): Promise<void> {
  expect(res.status).toBe(503);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(res.headers.get('cache-control')).toBe('private, no-store');
  expect(await res.json()).toEqual({ code: 'store_unavailable', message: expect.any(String) });
}

async function timed(run: () => Promise<Response>): Promise<{ res: Response; ms: number }> {
  const started = Date.now();
  const res = await run();
  return { res, ms: Date.now() - started };
}

const session = () => getJson(`${app.url}/api/auth/session`, { cookie });
const notes = () => getJson(`${app.url}/api/backend/notes`, { cookie });

async function expectSignedInAgain(): Promise<void> {
  await expect
    .poll(async () => (await (await session()).json()) as { status?: string }, { timeout: 15_000, interval: 200 })
    .toMatchObject({ status: 'authenticated' });
  expect((await notes()).status).toBe(200);
}

beforeAll(async () => {
  [redis, backend] = await Promise.all([startRedis({ persistent: true }), startBackend()]);
  app = await startApp({ backendUrl: backend.url, env: { BFF_SESSION_STORE: 'redis', REDIS_URL: redis.url } });
  const res = await jsonPost(`${app.url}/api/auth/login`, DEMO);
  expect(res.status).toBe(200);
  cookie = `${COOKIE}=${setCookies(res).find((c) => c.name === COOKIE)!.value}`;
});

afterAll(async () => {
  await app?.stop();
  await backend?.stop();
  await redis?.stop();
});

describe('Redis crashes and comes back', () => {
  it('answers 503 store_unavailable fast while Redis is down, and keeps the cookie', async () => {
    expect((await notes()).status).toBe(200);
    await redis.kill();
    for (const run of [session, notes]) {
      const { res, ms } = await timed(run);
      expect(ms).toBeLessThan(FAST_MS);
      expect(res.headers.getSetCookie()).toEqual([]); // the session is not "signed out"
      await expectStoreUnavailable(res);
    }
    const login = await jsonPost(`${app.url}/api/auth/login`, DEMO);
    await expectStoreUnavailable(login);
  });

  it('the same cookie works again once Redis is back, without signing in', async () => {
    await redis.restart();
    await expectSignedInAgain();
  });
});

describe('Redis frozen (no answers on open connections)', () => {
  it('answers 503 store_unavailable within the deadline instead of hanging', async () => {
    redis.pause();
    try {
      const results = await Promise.all([timed(session), timed(notes), timed(session)]);
      for (const { res, ms } of results) {
        expect(ms).toBeLessThan(FAST_MS);
        await expectStoreUnavailable(res);
      }
    } finally {
      redis.resume();
    }
  });

  it('recovers by itself when Redis answers again', async () => {
    await expectSignedInAgain();
  });
});

describe('the app process through all of it', () => {
  it('is still running and logged no unhandled error or crash, only the outage lines', async () => {
    expect((await getJson(`${app.url}/api/auth/session`)).status).toBe(200);
    const output = app.output();
    expect(output).not.toMatch(/unhandled|uncaught|\[ioredis\]|Error: /i);
    // One line per outage (one shared client), not one per request or reconnect attempt.
    const count = (text: string) => output.split(text).length - 1;
    expect(count('redis: connection lost')).toBe(1);
    expect(count('redis: connected again')).toBe(1);
    expect(count('redis: no answer within')).toBe(1);
  });
});
