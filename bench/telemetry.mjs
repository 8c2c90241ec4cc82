// Benchmark 7: what observability costs per request, in CPU µs, with the built `bffkit`
// (bench/lib/telemetry-worker.mjs runs each measurement in a fresh process), same session, same kind
// of upstream:
//   off        openTelemetry.api: false, no events: the path an app without @opentelemetry/api takes
//              (when the package is absent, 'auto' ends in exactly this state after one failed import)
//   off-als    the same, run inside an AsyncLocalStorage, as under Next.js (whose request storage
//              keeps one in use): the baseline of the two rows below, which need one too
//   api        @opentelemetry/api present, no SDK registered (its no-op tracer and meter)
//   sdk        a real SDK: BasicTracerProvider + SimpleSpanProcessor + a no-op exporter, the
//              AsyncLocalStorage context manager, the W3C propagator, and a MeterProvider whose reader
//              never exports: every span and metric is built, then dropped
//   events     no OpenTelemetry, an `events` handler that does nothing (bffkit's request scopes)
// Operations: `readSession` (the Server Component read, warm cookie cache), `GET /api/auth/session`
// through handleAuth (route span, session load), and `forward()` of GET /notes (~1 KB JSON) to a
// keep-alive node:http upstream in the same process (session load, client span, traceparent, metric).
// Also the one-time cost of the lazy import: @opentelemetry/api present, and a module that is absent.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './lib/procs.mjs';
import { num, rotated, summary, table, withSpread } from './lib/stats.mjs';

const WORKER = join(ROOT, 'bench/lib/telemetry-worker.mjs');
const OPS = ['read', 'session', 'forward'];
/** Contenders measured in a pair with an "off" instance of the same process. */
const PAIRED = [
  { key: 'api', label: '@opentelemetry/api present, no SDK' },
  { key: 'sdk', label: 'SDK, no-op exporter (spans and metrics built, then dropped)' },
  { key: 'events', label: 'events handler (no-op), OpenTelemetry off' },
];

function worker(args) {
  const r = spawnSync(process.execPath, [WORKER, ...args.map(String)], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`telemetry worker ${args.join(' ')} failed (exit ${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1));
}

/** ms of the first `import()` of `specifier` in a fresh Node process (present or absent module). */
function importCost(specifier) {
  const code = `const t=performance.now();import(${JSON.stringify(specifier)}).then(()=>1,()=>0).then((ok)=>console.log(JSON.stringify({ok,ms:performance.now()-t})))`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8' });
  return JSON.parse(r.stdout.trim());
}

export async function run({ rounds = 7, ms = 300, log = () => {} } = {}) {
  // 1. The price of an AsyncLocalStorage in use (process-wide promise hooks): off vs off-als, each in
  //    a fresh process, alternating rounds.
  const alone = { off: Object.fromEntries(OPS.map((op) => [op, []])), 'off-als': Object.fromEntries(OPS.map((op) => [op, []])) };
  for (let round = 0; round < rounds; round++) {
    for (const key of rotated(['off', 'off-als'], round)) {
      const out = worker([key, ms]);
      for (const op of OPS) alone[key][op].push(out[op]);
    }
    log(`  round ${round + 1}/${rounds}: forward off ${num(alone.off.forward.at(-1), 1)}, off-als ${num(alone['off-als'].forward.at(-1), 1)} µs`);
  }
  // 2. Each contender paired with an "off" instance in its own process: the median of paired slices.
  const paired = {};
  for (const c of PAIRED) {
    paired[c.key] = worker(['pair', c.key, Math.max(30, ms / 3), Math.max(3, rounds * 4)]);
    log(`  ${c.key}: Δ read ${num(paired[c.key].read.delta, 2)}, session ${num(paired[c.key].session.delta, 1)}, forward ${num(paired[c.key].forward.delta, 1)} µs`);
  }
  const s = Object.fromEntries(Object.entries(alone).map(([k, v]) => [k, Object.fromEntries(OPS.map((op) => [op, summary(v[op])]))]));
  const alsTax = Object.fromEntries(OPS.map((op) => [op, summary(alone['off-als'][op].map((x, i) => x - alone.off[op][i])).median]));
  /** The middle half of the paired differences (quartiles), µs. */
  const spreadOf = (xs, d) => {
    const q = [...xs].sort((a, b) => a - b);
    return `[${num(q[Math.floor(q.length / 4)], d)}..${num(q[Math.ceil((3 * q.length) / 4) - 1], d)}]`;
  };
  const digits = (op) => (op === 'read' ? 2 : 1);
  const rows = [
    ['OpenTelemetry absent / off, no events', ...OPS.map((op) => withSpread(s.off[op], digits(op))), '—'],
    ['same, inside an AsyncLocalStorage (as under Next.js)', ...OPS.map((op) => withSpread(s['off-als'][op], digits(op))), `${OPS.map((op) => num(alsTax[op], digits(op))).join(' / ')} (vs off, paired rounds)`],
    ...PAIRED.map((c) => [
      c.label,
      ...OPS.map((op) => num(paired[c.key][op].subject, digits(op))),
      `${OPS.map((op) => `${num(paired[c.key][op].delta, digits(op))} ${spreadOf(paired[c.key][op].deltas, digits(op))}`).join(' / ')}`,
    ]),
  ];
  const deltas = Object.fromEntries(PAIRED.map((c) => [c.key, Object.fromEntries(OPS.map((op) => [op, paired[c.key][op].delta]))]));
  const present = importCost('@opentelemetry/api');
  const absent = importCost('@opentelemetry/api-not-installed');
  return {
    name: 'telemetry',
    title: `Observability overhead, CPU µs per request in-process (${rounds} rounds; contenders paired with "off" in one process)`,
    table: table(['contender', 'readSession', 'GET /api/auth/session', 'forward GET /notes', 'Δ CPU µs (read / session / forward)'], rows),
    note:
      'CPU time of the process per operation (the in-process upstream\'s included). The first two rows: a fresh process per contender and round. ' +
      'The others: the contender and an "off" instance in one process (same promise hooks, same registered SDK), alternating short slices; ' +
      'Δ is the median of the paired differences, [first..third quartile]. ' +
      `One-time lazy import in a fresh process: @opentelemetry/api present ${num(present.ms, 1)} ms, absent ${num(absent.ms, 1)} ms (a failed resolve), then cached for the process.`,
    results: { alone: s, alsTax, paired, deltas, lazyImportMs: { present: present.ms, absent: absent.ms } },
    goals: [
      { name: 'telemetry: SDK overhead per forwarded request ≤ 100 µs', value: deltas.sdk.forward, target: 100, met: deltas.sdk.forward <= 100 },
      { name: 'telemetry: SDK overhead per GET /api/auth/session ≤ 50 µs', value: deltas.sdk.session, target: 50, met: deltas.sdk.session <= 50 },
      { name: 'telemetry: events handler overhead per GET /api/auth/session ≤ 20 µs', value: deltas.events.session, target: 20, met: deltas.events.session <= 20 },
    ],
  };
}
