/**
 * bffkit's OpenTelemetry spans from the running example app: the app's instrumentation.ts registers
 * a real SDK (NodeTracerProvider, OTLP/HTTP exporter) that ships spans to a collector this test runs;
 * the example backend records the `traceparent` it receives in /__stats.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { names, startOtlpCollector, type CollectedSpan, type OtlpCollector } from '../support/otlp-collector';
import { startStack, type Stack } from '../support/stack';
import { cookieJar, getJson, jsonPost, type CookieJar } from '../support/http';

/** Access-token lifetime: refresh is due after half of it (3 s). */
const TTL = 6;
const DEMO = { email: 'demo@example.com', password: 'demo-password' };
const SPAN_KIND_CLIENT = 3;
const SPAN_KIND_SERVER = 2;

let collector: OtlpCollector;
let stack: Stack;

beforeAll(async () => {
  collector = await startOtlpCollector();
  stack = await startStack({
    accessTokenTtl: TTL,
    appEnv: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_BSP_SCHEDULE_DELAY: '100', OTEL_SERVICE_NAME: 'bffkit-example-test' },
  });
});
afterAll(async () => {
  await stack?.stop();
  await collector?.close();
});

async function signIn(): Promise<CookieJar> {
  const jar = cookieJar();
  const res = await jsonPost(`${stack.app.url}/api/auth/login`, DEMO, { cookie: jar });
  expect(res.status).toBe(200);
  await res.arrayBuffer();
  return jar;
}

/** The last bffkit span with this name once exported (the exporter batches). */
async function lastSpan(name: string, after: number): Promise<CollectedSpan> {
  const spans = await collector.waitFor((all) => all.slice(after).some((s) => s.name === name && s.scope === 'bffkit'));
  return spans.slice(after).filter((s) => s.name === name && s.scope === 'bffkit').at(-1)!;
}

describe('spans of the running app, exported over OTLP', () => {
  it('a login: bffkit.login inside Next\'s route span, with the backend calls as children', async () => {
    const mark = collector.spans().length;
    await signIn();
    const login = await lastSpan('bffkit.login', mark);
    expect(names(collector.tree(login), 'bffkit')).toEqual({ 'bffkit.login': { 'bffkit.backend.login': {}, 'bffkit.backend.user': {} } });
    expect(login.attributes).toMatchObject({ 'bffkit.route': 'login', 'bffkit.outcome': 'success', 'http.response.status_code': 200 });
    expect(login.events).toContain('bffkit.login.succeeded');
    expect(login.service).toBe('bffkit-example-test');
    // One trace with Next's own spans: the request's server span is the root (exported last).
    const isRoot = (s: CollectedSpan) => s.name === 'POST /api/auth/[...bffkit]' && s.traceId === login.traceId;
    const root = (await collector.waitFor((all) => all.some(isRoot))).find(isRoot)!;
    expect(root.kind).toBe(SPAN_KIND_SERVER);
    expect(collector.ancestors(login)).toEqual(['executing api route (app) /api/auth/[...bffkit]', 'POST /api/auth/[...bffkit]']);
  });

  it('a forwarded call: bffkit.forward with session.load and an HTTP client span; the backend receives its traceparent', async () => {
    const jar = await signIn();
    const mark = collector.spans().length;
    const res = await getJson(`${stack.app.url}/api/backend/notes?sort=desc`, { cookie: jar });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const forward = await lastSpan('bffkit.forward', mark);
    expect(names(collector.tree(forward), 'bffkit')).toEqual({ 'bffkit.forward': { GET: {}, 'bffkit.session.load': {} } });
    const client = collector.tree(forward).children.find((c) => c.span.name === 'GET')!.span;
    expect(client.kind).toBe(SPAN_KIND_CLIENT);
    const backend = new URL(stack.backend.url);
    expect(client.attributes).toEqual({
      'http.request.method': 'GET', 'server.address': backend.hostname, 'server.port': Number(backend.port),
      'url.full': `${stack.backend.url}/notes?sort=REDACTED`, 'http.response.status_code': 200, 'bffkit.upstream': 'backend',
    });
    const received = (await stack.backend.stats()).traceparents;
    expect(received).toContainEqual({ method: 'GET', path: '/notes', traceparent: `00-${client.traceId}-${client.spanId}-01` });
  });

  it('a page render that refreshes: proxy.ts refreshes (guard → session.load → refresh → backend.refresh), the page calls the backend in the same trace', async () => {
    const jar = await signIn();
    await new Promise((r) => setTimeout(r, (TTL - 0.5) * 1000));
    const mark = collector.spans().length;
    const res = await fetch(`${stack.app.url}/profile`, { headers: { cookie: jar.header() }, redirect: 'manual' });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('data-testid="profile-email"');
    const guard = await lastSpan('bffkit.guard', mark);
    const fetchBackend = await lastSpan('bffkit.fetch_backend', mark);
    expect(names(collector.tree(guard), 'bffkit')).toEqual({
      'bffkit.guard': { 'bffkit.session.load': { 'bffkit.refresh': { 'bffkit.backend.refresh': {} } } },
    });
    expect(collector.ancestors(guard)[0]).toMatch(/^middleware GET/);
    expect(names(collector.tree(fetchBackend), 'bffkit')).toEqual({ 'bffkit.fetch_backend': { GET: {}, 'bffkit.session.load': {} } });
    expect(collector.ancestors(fetchBackend)).toContain('render route (app) /profile');
    // One request, one trace: the refresh before rendering and the render's backend call.
    expect(fetchBackend.traceId).toBe(guard.traceId);
    const refresh = collector.spans().find((s) => s.name === 'bffkit.refresh' && s.traceId === guard.traceId)!;
    expect(refresh.attributes).toMatchObject({ 'bffkit.refresh.result': 'success' });
    const client = collector.tree(fetchBackend).children.find((c) => c.span.name === 'GET')!.span;
    expect((await stack.backend.stats()).traceparents).toContainEqual({ method: 'GET', path: '/auth/me', traceparent: `00-${guard.traceId}-${client.spanId}-01` });
  });

  it('puts no token, cookie, password or secret in any exported span', async () => {
    const text = JSON.stringify(collector.spans());
    expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}|Bearer |demo-password|bffkit=|dGVzdC1zZWNyZXQ/);
  });
});
