// Benchmark 7: what observability costs per request, in µs, in-process (the built `bffkit`), the
// contenders alternating every round on the same session and the same upstream:
//   off        openTelemetry.api: false, no events: the path an app without @opentelemetry/api takes
//              (when the package is absent, 'auto' ends in exactly this state after one failed import)
//   api        @opentelemetry/api present, no SDK registered (its no-op tracer and meter)
//   sdk        a real SDK: BasicTracerProvider + SimpleSpanProcessor + a no-op exporter, the
//              AsyncLocalStorage context manager, the W3C propagator, and a MeterProvider whose reader
//              never exports: every span and metric is built, then dropped
//   events     no OpenTelemetry, an `events` handler that does nothing
// Operations: `readSession` (the Server Component read, warm cookie cache), `GET /api/auth/session`
// through handleAuth (route span, session load), and `forward()` of GET /notes (~1 KB JSON) to a
// keep-alive node:http upstream in this process (session load, client span, traceparent, metric).
// Also the one-time cost of the lazy import: @opentelemetry/api present, and a module that is absent.
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createBff, silentLogger } from 'bffkit';
import { ROOT } from './lib/procs.mjs';
import { nowSeconds, realisticTokens, USER } from './lib/fixtures.mjs';
import { num, rotated, summary, table, withSpread } from './lib/stats.mjs';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');
const BATCH = 10;
const NOTES = JSON.stringify(Array.from({ length: 6 }, (_, i) => ({ id: i + 1, title: `Benchmark note ${i}`, body: 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(2) })));

/** µs per call of the async `fn` over about `ms` milliseconds. */
async function measure(fn, ms) {
  let ops = 0;
  const t0 = performance.now();
  let elapsed = 0;
  do {
    for (let i = 0; i < BATCH; i++) await fn();
    ops += BATCH;
    elapsed = performance.now() - t0;
  } while (elapsed < ms);
  return (elapsed * 1000) / ops;
}

/** A keep-alive upstream answering ~1 KB of JSON (what forwarding benchmark 3 uses). */
function upstream() {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(NOTES) });
    res.end(NOTES);
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Registers a real SDK globally with a no-op exporter and a reader that never exports. */
async function registerSdk(api) {
  const [{ BasicTracerProvider, SimpleSpanProcessor }, { AsyncLocalStorageContextManager }, { W3CTraceContextPropagator }, metricsSdk] = await Promise.all([
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/core'),
    import('@opentelemetry/sdk-metrics'),
  ]);
  const noop = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} };
  class NeverExports extends metricsSdk.MetricReader {
    async onForceFlush() {}
    async onShutdown() {}
  }
  api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  api.trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(noop)] }));
  api.propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  api.metrics.setGlobalMeterProvider(new metricsSdk.MeterProvider({ readers: [new NeverExports()] }));
}

/** ms of the first `import()` of `specifier` in a fresh Node process (present or absent module). */
function importCost(specifier) {
  const code = `const t=performance.now();import(${JSON.stringify(specifier)}).then(()=>1,()=>0).then((ok)=>console.log(JSON.stringify({ok,ms:performance.now()-t})))`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8' });
  return JSON.parse(r.stdout.trim());
}

export async function run({ rounds = 7, ms = 300, log = () => {} } = {}) {
  const api = await import('@opentelemetry/api');
  const server = await upstream();
  const upstreamUrl = `http://127.0.0.1:${server.address().port}`;
  const tokens = realisticTokens(nowSeconds());
  const origin = 'https://app.example.com';
  const make = async (key, label, extra) => {
    const bff = createBff({
      secret: 'YmVuY2gtc2VjcmV0LWZvci1iZmZraXQtYmVuY2htYXJrcw',
      baseUrl: origin,
      logger: silentLogger,
      backend: { kind: 'bench', login: async () => ({ ok: true, value: { ...tokens } }), refresh: async () => ({ ok: false, reason: 'rejected' }), user: async () => ({ ok: true, value: USER }) },
      upstreams: { api: { url: upstreamUrl, mount: '/api/backend', allow: [{ path: '/notes', methods: ['GET'] }] } },
      ...extra,
    });
    const res = await bff.handleAuth(new Request(`${origin}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf': '1', origin }, body: '{"email":"a@b.c","password":"x"}' }));
    if (res.status !== 200) throw new Error(`login failed: ${res.status}`);
    return { key, label, bff, cookie: res.headers.getSetCookie().map((l) => l.split(';', 1)[0]).join('; ') };
  };
  const ops = {
    read: (c) => c.bff.readSession(c.cookie).then((s) => {
      if (s.status !== 'authenticated') throw new Error('read: not authenticated');
    }),
    route: (c) => c.bff.handleAuth(new Request(`${origin}/api/auth/session`, { headers: { cookie: c.cookie } })).then((r) => r.arrayBuffer()),
    forward: (c) => c.bff.forward(new Request(`${origin}/api/backend/notes`, { headers: { cookie: c.cookie } }), 'api').then(async (r) => {
      if (r.status !== 200) throw new Error(`forward answered ${r.status}`);
      await r.arrayBuffer();
    }),
  };
  const slice = (c, op, t) => {
    gc();
    return measure(() => ops[op](c), t);
  };
  /** Alternating rounds over `list`; answers per-contender, per-op series. */
  const phase = async (list, name) => {
    const out = Object.fromEntries(list.map((c) => [c.key, { read: [], route: [], forward: [] }]));
    for (const c of list) for (const op of Object.keys(ops)) await slice(c, op, Math.max(30, ms)); // warm-up
    for (let round = 0; round < rounds; round++) {
      for (const c of rotated(list, round)) for (const op of Object.keys(ops)) out[c.key][op].push(await slice(c, op, ms));
      log(`  ${name} round ${round + 1}/${rounds}: forward ${list.map((c) => `${c.key} ${num(out[c.key].forward.at(-1), 1)} µs`).join(', ')}`);
    }
    return out;
  };

  // Phase 1, no SDK registered: off, the bare API, events. Phase 2, the SDK registered (before the
  // instance is built, as instrumentation.ts does): off again and the SDK. Deltas are per phase.
  const off = await make('off', 'OpenTelemetry absent / off, no events', { openTelemetry: { api: false } });
  const bare = await make('api', '@opentelemetry/api present, no SDK', { openTelemetry: { api } });
  const events = await make('events', 'events handler (no-op), OpenTelemetry off', { openTelemetry: { api: false }, events: () => {} });
  const first = await phase([off, bare, events], 'no SDK');
  await registerSdk(api);
  const sdk = await make('sdk', 'SDK, no-op exporter (spans and metrics built, then dropped)', { openTelemetry: { api } });
  const second = await phase([off, sdk], 'SDK');
  server.closeAllConnections();
  server.close();

  const series = { off: first.off, api: first.api, events: first.events, sdk: second.sdk };
  const base = { api: first.off, events: first.off, sdk: second.off };
  const delta = (key, op) => summary(series[key][op].map((x, i) => x - base[key][op][i]));
  const s = Object.fromEntries(Object.entries(series).map(([k, v]) => [k, Object.fromEntries(Object.entries(v).map(([op, xs]) => [op, summary(xs)]))]));
  const rows = [off, bare, sdk, events].map((c) => [
    c.label,
    withSpread(s[c.key].read, 2),
    withSpread(s[c.key].route, 1),
    withSpread(s[c.key].forward, 1),
    c.key === 'off' ? '—' : `${num(delta(c.key, 'read').median, 2)} / ${num(delta(c.key, 'route').median, 1)} / ${num(delta(c.key, 'forward').median, 1)}`,
  ]);
  const present = importCost('@opentelemetry/api');
  const absent = importCost('@opentelemetry/api-not-installed');
  const deltas = Object.fromEntries(['api', 'sdk', 'events'].map((k) => [k, Object.fromEntries(Object.keys(ops).map((op) => [op, delta(k, op).median]))]));
  return {
    name: 'telemetry',
    title: `Observability overhead, µs per request in-process (${rounds} rounds, alternating)`,
    table: table(['contender', 'readSession µs', 'GET /session µs', 'forward GET µs', 'Δ µs vs off, same rounds (read / session / forward)'], rows),
    note:
      `One-time lazy import in a fresh process: @opentelemetry/api present ${num(present.ms, 1)} ms, absent ${num(absent.ms, 1)} ms (a failed resolve); ` +
      'then cached for the process. "off" is the code path an app without the package takes. The SDK row is measured in a second phase ' +
      '(the SDK stays registered once it is), against "off" again in the same rounds. Forwarding includes a loopback round trip to a keep-alive upstream.',
    results: { summary: s, deltas, offInSdkPhase: Object.fromEntries(Object.entries(second.off).map(([op, xs]) => [op, summary(xs)])), lazyImportMs: { present: present.ms, absent: absent.ms } },
    goals: [
      { name: 'telemetry: SDK overhead per forwarded request ≤ 100 µs', value: deltas.sdk.forward, target: 100, met: deltas.sdk.forward <= 100 },
      { name: 'telemetry: SDK overhead per GET /api/auth/session ≤ 50 µs', value: deltas.sdk.route, target: 50, met: deltas.sdk.route <= 50 },
      { name: 'telemetry: events handler overhead per GET /api/auth/session ≤ 20 µs', value: deltas.events.route, target: 20, met: deltas.events.route <= 20 },
    ],
  };
}
