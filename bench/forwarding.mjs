// Benchmark 3: a browser API call through the app to the backend (GET /notes, ~1 KB JSON), five ways,
// alternating every round: req/s, p50/p99 and the app's CPU µs per request (/proc utime+stime).
//   direct    the backend itself (what the app adds is measured against this)
//   naive     route handler `return fetch(backend)` (client sends the bearer token)
//   static    route handler answering 1 KB from memory: Next's own floor, no upstream
//   nodehttp  a hand-written node:http keep-alive proxy route (no session, no hygiene): the floor of
//             any route-handler forwarder, i.e. what bffkit's own work is measured against
//   bffkit    bffkit's forwarding route handler (app/api/backend/[...path]): session cookie → token
//             attached on the server (the documented setup)
//   proxy     the same bffkit forward() answered in proxy.ts for body-less calls (bench/app/proxy.js),
//             skipping Next's route-handler pipeline
//   rewrites  next.config rewrites() to the backend, no auth (client sends the bearer token)
// The bffkit and static requests carry the session cookie; direct/naive/rewrites carry
// `Authorization: Bearer <the same kind of token>` instead.
import { HTTP_HEAD, httpRounds, pairedRatio, rowCells, rpsRatio } from './lib/http-bench.mjs';
import { num, table, withSpread } from './lib/stats.mjs';

const isNotesJson = (res, text) => {
  if (!Array.isArray(JSON.parse(text))) throw new Error(`expected the notes array, got ${text.slice(0, 100)}`);
};

export function contenders({ backend, app, bearer, cookie }) {
  const auth = { authorization: `Bearer ${bearer}` };
  return [
    { key: 'direct', label: 'direct backend', url: `${backend.url}/notes`, headers: auth, appCpu: false, expect: isNotesJson },
    { key: 'naive', label: 'naive route handler `return fetch(backend)`', url: `${app.url}/naive/notes`, headers: auth, expect: isNotesJson },
    { key: 'static', label: 'static 1 KB route (Next floor)', url: `${app.url}/static`, headers: { cookie } },
    { key: 'nodehttp', label: 'hand-written node:http proxy route (no auth, no hygiene)', url: `${app.url}/nodehttp/notes`, headers: auth, expect: isNotesJson },
    { key: 'bffkit', label: 'bffkit forwarding, route handler (session cookie)', url: `${app.url}/api/backend/notes`, headers: { cookie }, expect: isNotesJson },
    { key: 'proxy', label: 'bffkit forwarding, answered in proxy.ts (session cookie)', url: `${app.url}/api/px/notes`, headers: { cookie }, expect: isNotesJson },
    { key: 'rewrites', label: 'Next rewrites(), no auth', url: `${app.url}/rw/notes`, headers: auth, expect: isNotesJson },
  ];
}

export async function run(env, { rounds = 3, seconds = 5, warmup = 1, connections = 8, log = () => {} } = {}) {
  const list = contenders(env);
  const r = await httpRounds(list, { appPid: env.app.pid, rounds, seconds, warmup, connections, log });
  const failed = list.reduce((n, c) => n + r[c.key].failed, 0);
  const rows = list.map((c) => [c.label, ...rowCells(r[c.key], r.naive)]);
  const ratios = { route: rpsRatio(r, 'bffkit', 'naive'), proxy: rpsRatio(r, 'proxy', 'naive') };
  // p99 of one short run is at the mercy of the scheduler: compare it per round, like req/s.
  const p99 = (k) => pairedRatio(r, k, 'naive', 'p99').median;
  return {
    name: 'forwarding',
    title: `Forwarding GET /notes (~1 KB JSON), ${connections} connections, ${rounds} rounds × ${seconds} s`,
    table: table(['contender', ...HTTP_HEAD], rows),
    note:
      `× naive per round: proxy.ts ${withSpread(ratios.proxy, 2)}, route handler ${withSpread(ratios.route, 2)}. ` +
      `p99 ÷ naive p99 per round: proxy.ts ${withSpread(pairedRatio(r, 'proxy', 'naive', 'p99'), 2)}, route handler ${withSpread(pairedRatio(r, 'bffkit', 'naive', 'p99'), 2)}. ` +
      `Route handler vs the hand-written node:http route: ${withSpread(rpsRatio(r, 'bffkit', 'nodehttp'), 2)} req/s, ` +
      `${num(r.bffkit.cpu.median - r.nodehttp.cpu.median)} µs CPU/req more. Static route/naive: ${num(r.static.rps.median / r.naive.rps.median, 2)}. ` +
      `Capacity by app CPU per request (naive CPU ÷ contender CPU, steadier than req/s on a shared box): ` +
      `proxy.ts ${num(r.naive.cpu.median / r.proxy.cpu.median, 2)}×, route handler ${num(r.naive.cpu.median / r.bffkit.cpu.median, 2)}×, ` +
      `node:http route ${num(r.naive.cpu.median / r.nodehttp.cpu.median, 2)}×, static ${num(r.naive.cpu.median / r.static.cpu.median, 2)}×.`,
    results: { ...r, ratios, cpuCapacityVsNaive: { proxy: r.naive.cpu.median / r.proxy.cpu.median, route: r.naive.cpu.median / r.bffkit.cpu.median } },
    goals: [
      { name: 'forwarding ≥ 1.5× naive req/s (bffkit in proxy.ts)', value: ratios.proxy.median, target: 1.5, met: ratios.proxy.median >= 1.5 },
      { name: 'forwarding p99 ≤ naive p99 (bffkit in proxy.ts; ratio)', value: p99('proxy'), target: 1, met: p99('proxy') <= 1 },
      { name: 'forwarding ≥ 1.5× naive req/s (bffkit route handler)', value: ratios.route.median, target: 1.5, met: ratios.route.median >= 1.5 },
      { name: 'forwarding p99 ≤ naive p99 (bffkit route handler; ratio)', value: p99('bffkit'), target: 1, met: p99('bffkit') <= 1 },
      { name: 'forwarding: no errors / non-2xx', value: failed, target: 0, met: failed === 0 },
    ],
  };
}
