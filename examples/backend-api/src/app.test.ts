import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from './app';
import { loadConfig } from './config';
import { createDeps } from './deps';

let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  const { deps } = await createDeps(loadConfig({ EXAMPLE_BACKEND_STATS: '1' }));
  app = createApp(deps);
});

async function login(): Promise<string> {
  const res = await app.request('/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'demo@example.com', password: 'demo-password' }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

describe('createApp', () => {
  it('routes /notes/export/stream to the stream handler, not to /notes/:id', async () => {
    const token = await login();
    const res = await app.request('/notes/export/stream?bytes=300', { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(bytes.length).toBe(300);
    expect(bytes[251]).toBe(0);
    expect(bytes[299]).toBe(48);
  });

  it('runs the bearer check once per request', async () => {
    const token = await login();
    await app.request('/__stats/reset', { method: 'POST' });
    await app.request('/notes', { headers: { authorization: `Bearer ${token}` } });
    const stats = (await (await app.request('/__stats')).json()) as { bearer_requests: number; requests: number };
    expect(stats).toMatchObject({ bearer_requests: 1, requests: 1 });
  });

  it('records the traceparent of requests that carry one in /__stats', async () => {
    const token = await login();
    await app.request('/__stats/reset', { method: 'POST' });
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await app.request('/notes?x=1', { headers: { authorization: `Bearer ${token}`, traceparent } });
    await app.request('/notes', { headers: { authorization: `Bearer ${token}` } });
    const stats = (await (await app.request('/__stats')).json()) as { traceparents: unknown[] };
    expect(stats.traceparents).toEqual([{ method: 'GET', path: '/notes', traceparent }]);
  });

  it('answers unknown paths with JSON 404 and sets nosniff', async () => {
    const res = await app.request('/does-not-exist');
    expect(res.status).toBe(404);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.json()).toMatchObject({ code: 'not_found' });
  });
});

describe('loadConfig', () => {
  it('applies defaults and rejects invalid values naming the variable', () => {
    expect(loadConfig({})).toMatchObject({ port: 4000, accessTokenTtl: 300, databasePath: ':memory:' });
    expect(() => loadConfig({ ACCESS_TOKEN_TTL: '0' })).toThrow(/ACCESS_TOKEN_TTL/);
    expect(() => loadConfig({ BACKEND_PORT: 'abc' })).toThrow(/BACKEND_PORT/);
    expect(() => loadConfig({ CORS_ORIGIN: 'http://localhost:3000/path' })).toThrow(/CORS_ORIGIN/);
  });
});
