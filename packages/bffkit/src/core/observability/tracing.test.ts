import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { shape, startOtelSdk, type OtelSdk } from '../../../../../tests/support/otel-sdk';
import { behaviours, startRecordingUpstream, type RecordingUpstream } from '../../../../../tests/support/recording-upstream';
import { createBff, type Bff } from '../bff';
import type { BffOptions } from '../config';
import { memoryRefreshCoordinator } from '../stores/memory-refresh-coordinator';
import { APP, DEMO, SECRET, deferred, fakeBackend, fakeClock, get, jsonPost, login, memoryStore, recordingLogger, type FakeBackend, type FakeClock } from '../testing/support';
import { METRICS } from './metrics';
import { loadOpenTelemetry, type OpenTelemetryApi } from './otel-api';

let sdk: OtelSdk;
let up: RecordingUpstream;
const cookies: string[] = [];

beforeAll(async () => {
  sdk = startOtelSdk();
  up = await startRecordingUpstream();
});
afterAll(async () => {
  await up.close();
  await sdk.shutdown();
});
beforeEach(() => sdk.reset());
afterEach(() => up.setHandler(behaviours.echo()));

function traced(options: Partial<BffOptions> = {}): { bff: Bff; backend: FakeBackend; clock: FakeClock } {
  const clock = fakeClock(Math.floor(Date.now() / 1000));
  const backend = fakeBackend(clock);
  const bff = createBff({
    secret: SECRET, baseUrl: APP, backend, clock, logger: recordingLogger(), openTelemetry: { api: sdk.api },
    upstreams: { api: { url: up.url, mount: '/api/backend', allow: [{ path: '/notes', methods: ['GET', 'POST'] }] } },
    ...options,
  });
  return { bff, backend, clock };
}

async function signIn(bff: Bff): Promise<string> {
  const { cookie } = await login(bff);
  cookies.push(cookie);
  return cookie;
}

describe('spans', () => {
  it('the api module satisfies bffkit\'s structural type (compile time), and auto loads it once', async () => {
    const typed: OpenTelemetryApi = sdk.api;
    expect(typed).toBeTruthy();
    expect(await loadOpenTelemetry()).toBe(await loadOpenTelemetry());
    expect((await loadOpenTelemetry())?.trace).toBe(sdk.api.trace);
  });

  it('a login: bffkit.login with the backend calls as children, its outcome, and a span event', async () => {
    const { bff } = traced();
    await signIn(bff);
    expect(shape(sdk.tree('bffkit.login'))).toEqual({ 'bffkit.login': { 'bffkit.backend.login': {}, 'bffkit.backend.user': {} } });
    const span = sdk.spans().find((s) => s.name === 'bffkit.login')!;
    expect(span.attributes).toMatchObject({ 'bffkit.route': 'login', 'http.request.method': 'POST', 'http.response.status_code': 200, 'bffkit.outcome': 'success' });
    expect(span.events).toContain('bffkit.login.succeeded');
    expect(sdk.spans().find((s) => s.name === 'bffkit.backend.login')!.attributes).toMatchObject({ 'bffkit.backend.kind': 'fake', 'bffkit.backend.result': 'ok' });
  });

  it('a failed login says failure and the reason class on the span', async () => {
    const { bff } = traced();
    await bff.handleAuth(jsonPost('/api/auth/login', { email: DEMO.email, password: 'wrong' }));
    expect(sdk.spans().find((s) => s.name === 'bffkit.login')!.attributes).toMatchObject({ 'bffkit.outcome': 'failure', 'bffkit.failure.reason': 'rejected', 'http.response.status_code': 401 });
  });

  it('a session read that refreshes: session.load → refresh → backend.refresh', async () => {
    const { bff, clock } = traced();
    const cookie = await signIn(bff);
    sdk.reset();
    clock.advance(301);
    await bff.handleAuth(get('/api/auth/session', { cookie }));
    expect(shape(sdk.tree('bffkit.session'))).toEqual({
      'bffkit.session': { 'bffkit.session.load': { 'bffkit.refresh': { 'bffkit.backend.refresh': {} } } },
    });
    expect(sdk.spans().find((s) => s.name === 'bffkit.refresh')!.attributes).toMatchObject({ 'bffkit.refresh.result': 'success' });
    expect(sdk.spans().find((s) => s.name === 'bffkit.session.load')!.attributes).toMatchObject({ 'bffkit.session.result': 'active', 'bffkit.session.refresh_mode': 'if-due' });
  });

  it('a refresh that waited for another instance\'s lock has the lock wait as a child', async () => {
    const clock = fakeClock(Math.floor(Date.now() / 1000));
    const backend = fakeBackend(clock);
    const coordinator = memoryRefreshCoordinator();
    const make = () => createBff({ secret: SECRET, baseUrl: APP, backend, clock, logger: recordingLogger(), openTelemetry: { api: sdk.api }, refresh: { coordinator } });
    const [a, b] = [make(), make()];
    const cookie = await signIn(a);
    const gate = deferred<void>();
    const real = backend.refresh.bind(backend);
    backend.refresh = async (token) => (await gate.promise, real(token));
    clock.advance(301);
    sdk.reset();
    const first = a.loadSession(cookie);
    await new Promise((r) => setTimeout(r, 20));
    const second = b.loadSession(cookie);
    await new Promise((r) => setTimeout(r, 60));
    gate.resolve();
    await Promise.all([first, second]);
    const refreshes = sdk.trees().map(shape);
    expect(refreshes).toContainEqual({ 'bffkit.session.load': { 'bffkit.refresh': { 'bffkit.backend.refresh': {} } } });
    expect(refreshes).toContainEqual({ 'bffkit.session.load': { 'bffkit.refresh': { 'bffkit.refresh.lock_wait': {} } } });
    expect(sdk.spans().find((s) => s.name === 'bffkit.refresh.lock_wait')!.attributes).toMatchObject({ 'bffkit.refresh.lock_wait.result': 'successor' });
  });

  it('a forwarded call: bffkit.forward → session.load and an HTTP client span per the semantic conventions', async () => {
    const { bff } = traced();
    const cookie = await signIn(bff);
    sdk.reset();
    const res = await bff.forward(get('/api/backend/notes?q=alice&page=2', { cookie }), 'api');
    expect(res.status).toBe(200);
    expect(shape(sdk.tree('bffkit.forward'))).toEqual({ 'bffkit.forward': { GET: {}, 'bffkit.session.load': {} } });
    const client = sdk.spans().find((s) => s.name === 'GET')!;
    expect(client.kind).toBe(sdk.api.SpanKind.CLIENT);
    expect(client.attributes).toEqual({
      'http.request.method': 'GET', 'server.address': '127.0.0.1', 'server.port': up.port, 'url.full': `${up.url}/notes?q=REDACTED&page=REDACTED`,
      'http.response.status_code': 200, 'bffkit.upstream': 'api',
    });
    // The backend joins the trace: its parent is the client span.
    const traceparent = up.requests.at(-1)!.headers.traceparent;
    expect(traceparent).toBe(`00-${client.traceId}-${client.spanId}-01`);
    expect(up.requests.at(-1)!.headers).not.toHaveProperty('tracestate');
    expect(up.requests.at(-1)!.headers).not.toHaveProperty('baggage');
  });

  it('a 401 then a retry: two client spans, the second with http.request.resend_count, error.type on the first', async () => {
    const { bff } = traced();
    const cookie = await signIn(bff);
    let n = 0;
    up.setHandler((req, res, r) => (n++ === 0 ? behaviours.respond(401, {}, 'no')(req, res, r) : behaviours.echo()(req, res, r)));
    sdk.reset();
    expect((await bff.forward(get('/api/backend/notes', { cookie }), 'api')).status).toBe(200);
    const clients = sdk.spans().filter((s) => s.name === 'GET');
    expect(clients.map((s) => [s.attributes['http.response.status_code'], s.attributes['error.type'], s.attributes['http.request.resend_count']])).toEqual([
      [401, '401', undefined],
      [200, undefined, 1],
    ]);
  });

  it('an unreachable upstream: error.type on the client span, the forward span ends', async () => {
    const { bff } = traced({ upstreams: { api: { url: 'http://127.0.0.1:9', mount: '/api/backend', allow: [{ path: '/notes', methods: ['GET'] }] } } });
    const cookie = await signIn(bff);
    sdk.reset();
    expect((await bff.forward(get('/api/backend/notes', { cookie }), 'api')).status).toBe(502);
    expect(sdk.spans().find((s) => s.name === 'GET')!.attributes['error.type']).toBe('upstream_unavailable');
    expect(sdk.spans().map((s) => s.name)).toContain('bffkit.forward');
  });

  it('server-side calls (fetchBackend) send traceparent too; propagate: false sends none', async () => {
    const { bff } = traced();
    const cookie = await signIn(bff);
    await bff.fetchBackend(cookie, 'api', '/notes');
    expect(up.requests.at(-1)!.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(sdk.tree('bffkit.fetch_backend')).toBeDefined();
    const off = traced({ openTelemetry: { api: sdk.api, propagate: false } });
    await off.bff.fetchBackend(await signIn(off.bff), 'api', '/notes');
    expect(up.requests.at(-1)!.headers).not.toHaveProperty('traceparent');
  });

  it('with OpenTelemetry off, no span and no traceparent', async () => {
    const { bff } = traced({ openTelemetry: { api: false } });
    const cookie = await signIn(bff);
    sdk.reset();
    await bff.forward(get('/api/backend/notes', { cookie }), 'api');
    expect(sdk.spans()).toEqual([]);
    expect(up.requests.at(-1)!.headers).not.toHaveProperty('traceparent');
  });
});

describe('metrics', () => {
  it('records refresh, lock wait, successor hits, logins, upstream calls, store latency and events', async () => {
    const { bff, clock } = traced({ session: { store: memoryStore() } });
    const cookie = await signIn(bff);
    await bff.handleAuth(jsonPost('/api/auth/login', { email: DEMO.email, password: 'wrong' }));
    clock.advance(301);
    await bff.forward(get('/api/backend/notes', { cookie }), 'api');
    const m = await sdk.metrics();
    // Cumulative over this file: every test above signed in at least once.
    expect(m.get(METRICS.logins)).toEqual(expect.arrayContaining([
      { attributes: { 'bffkit.login.method': 'credentials', 'bffkit.outcome': 'success' }, value: expect.any(Number) },
      { attributes: { 'bffkit.login.method': 'credentials', 'bffkit.outcome': 'failure', 'bffkit.failure.reason': 'rejected' }, value: expect.any(Number) },
    ]));
    // From the lock-wait test above, and the pre-rotation cookie used again here.
    expect(m.get(METRICS.lockWait)?.length).toBeGreaterThan(0);
    await bff.forward(get('/api/backend/notes', { cookie }), 'api');
    expect(((await sdk.metrics()).get(METRICS.successorHits)?.[0]?.value as number) ?? 0).toBeGreaterThan(0);
    expect(m.get(METRICS.refreshDuration)?.some((p) => p.attributes['bffkit.refresh.outcome'] === 'success')).toBe(true);
    const upstream = m.get(METRICS.upstreamDuration)!;
    expect(upstream.some((p) => p.attributes['http.response.status_code'] === 200 && p.attributes['bffkit.upstream'] === 'api')).toBe(true);
    const ops = new Set(m.get(METRICS.storeDuration)!.map((p) => `${p.attributes['bffkit.store.operation']}/${p.attributes['bffkit.session.mode']}`));
    expect(ops).toContain('open/store');
    expect(ops).toContain('keep/store');
    expect(m.get(METRICS.events)!.map((p) => p.attributes['bffkit.event.type'])).toEqual(expect.arrayContaining(['login.succeeded', 'login.failed']));
  });
});

afterAll(() => {
  // No token, cookie, password or secret in any span attribute or event.
  const text = JSON.stringify(sdk.spans());
  for (const needle of [SECRET, DEMO.password, ...cookies.flatMap((c) => c.split('; ').map((p) => p.split('=')[1]!))]) expect(text).not.toContain(needle);
  expect(text).not.toMatch(/access-token-|refresh-token-|Bearer/);
});
