// One contender of benchmark 7 (bench/telemetry.mjs) in a fresh process: builds a bffkit instance
// with the contender's observability settings, logs in, and prints CPU µs per operation as JSON.
// A fresh process per contender and round, because AsyncLocalStorage (bffkit's event scopes, the
// OpenTelemetry context manager) turns on promise hooks for the whole process once it is used, and
// would tax every contender measured after it in the same process.
//   node bench/lib/telemetry-worker.mjs <off|off-als|api|sdk|events> <ms>
//   node bench/lib/telemetry-worker.mjs pair <api|sdk|events> <ms> <pairs>
// `pair` builds the contender AND an "off" instance in the same process (same promise hooks, same
// registered SDK) and alternates short slices of the two: the median of the paired differences is the
// contender's own cost, with the machine's drift cancelled within each pair.
import { AsyncLocalStorage } from 'node:async_hooks';
import { createServer } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createBff, silentLogger } from 'bffkit';
import { nowSeconds, realisticTokens, USER } from './fixtures.mjs';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');
const BATCH = 10;
const NOTES = JSON.stringify(Array.from({ length: 6 }, (_, i) => ({ id: i + 1, title: `Benchmark note ${i}`, body: 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(2) })));
const ORIGIN = 'https://app.example.com';
const OPS = ['read', 'session', 'forward'];

/**
 * CPU µs (user + system, this process) per call of the async `fn`, over about `ms` milliseconds of
 * wall time. CPU time, not wall time: on a shared machine the scheduler's delays land on the wall
 * clock but not on our CPU account, so this is what stays comparable between runs.
 */
async function measure(fn, ms) {
  let ops = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  do {
    for (let i = 0; i < BATCH; i++) await fn();
    ops += BATCH;
  } while (performance.now() - t0 < ms);
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / ops;
}

/** Registers a real SDK globally with a no-op exporter and a metric reader that never exports. */
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

const OBSERVABILITY = (key, api) =>
  ({
    off: { openTelemetry: { api: false } },
    'off-als': { openTelemetry: { api: false } },
    api: { openTelemetry: { api } },
    sdk: { openTelemetry: { api } },
    events: { openTelemetry: { api: false }, events: () => {} },
  })[key];

/** A signed-in instance of bffkit with `extra` observability options, and its three operations. */
async function instance(extra, upstreamUrl) {
  const tokens = realisticTokens(nowSeconds());
  const bff = createBff({
    secret: 'YmVuY2gtc2VjcmV0LWZvci1iZmZraXQtYmVuY2htYXJrcw',
    baseUrl: ORIGIN,
    logger: silentLogger,
    backend: { kind: 'bench', login: async () => ({ ok: true, value: { ...tokens } }), refresh: async () => ({ ok: false, reason: 'rejected' }), user: async () => ({ ok: true, value: USER }) },
    upstreams: { api: { url: upstreamUrl, mount: '/api/backend', allow: [{ path: '/notes', methods: ['GET'] }] } },
    ...extra,
  });
  const res = await bff.handleAuth(new Request(`${ORIGIN}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf': '1', origin: ORIGIN }, body: '{"email":"a@b.c","password":"x"}' }));
  if (res.status !== 200) throw new Error(`login failed: ${res.status}`);
  const cookie = res.headers.getSetCookie().map((l) => l.split(';', 1)[0]).join('; ');
  return {
    read: () => bff.readSession(cookie).then((s) => {
      if (s.status !== 'authenticated') throw new Error('read: not authenticated');
    }),
    session: () => bff.handleAuth(new Request(`${ORIGIN}/api/auth/session`, { headers: { cookie } })).then((r) => r.arrayBuffer()),
    forward: () => bff.forward(new Request(`${ORIGIN}/api/backend/notes`, { headers: { cookie } }), 'api').then(async (r) => {
      if (r.status !== 200) throw new Error(`forward answered ${r.status}`);
      await r.arrayBuffer();
    }),
  };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function main() {
  const args = process.argv.slice(2);
  const pair = args[0] === 'pair';
  const [contender, msArg, pairsArg] = pair ? args.slice(1) : args;
  const ms = Number(msArg) || 300;
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(NOTES) });
    res.end(NOTES);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const upstreamUrl = `http://127.0.0.1:${server.address().port}`;
  const api = contender === 'api' || contender === 'sdk' ? await import('@opentelemetry/api') : null;
  if (contender === 'sdk') await registerSdk(api);
  if (!OBSERVABILITY(contender, api)) throw new Error(`unknown contender ${contender}`);
  const subject = await instance(OBSERVABILITY(contender, api), upstreamUrl);
  let out;
  if (pair) {
    const off = await instance(OBSERVABILITY('off', null), upstreamUrl);
    const pairs = Number(pairsArg) || 20;
    // Warm-up long enough for the optimising compiler (its background threads count as our CPU too).
    for (let i = 0; i < 2; i++) for (const op of OPS) for (const x of [off, subject]) await measure(x[op], ms);
    const d = Object.fromEntries(OPS.map((op) => [op, { off: [], subject: [], delta: [] }]));
    for (let i = 0; i < pairs; i++) {
      for (const op of OPS) {
        const order = i % 2 ? [subject, off] : [off, subject];
        const [first, second] = [await measure(order[0][op], ms), await measure(order[1][op], ms)];
        const [o, x] = i % 2 ? [second, first] : [first, second];
        d[op].off.push(o);
        d[op].subject.push(x);
        d[op].delta.push(x - o);
      }
    }
    out = Object.fromEntries(OPS.map((op) => [op, { off: median(d[op].off), subject: median(d[op].subject), delta: median(d[op].delta), deltas: d[op].delta }]));
  } else {
    const run = async () => {
      const r = {};
      for (let i = 0; i < 2; i++) for (const op of OPS) await measure(subject[op], ms);
      for (const op of OPS) {
        gc();
        r[op] = await measure(subject[op], ms);
      }
      return r;
    };
    // As under Next.js, whose request storage already keeps an AsyncLocalStorage in use.
    out = contender === 'off-als' ? await new AsyncLocalStorage().run({}, run) : await run();
  }
  server.closeAllConnections();
  server.close();
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error.stack ?? error);
    process.exit(1);
  },
);
