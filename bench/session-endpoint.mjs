// Benchmark 4: GET /api/auth/session (signed in) vs the static 1 KB route, both with the session cookie.
import { httpRounds, rowCells, rpsRatio } from './lib/http-bench.mjs';
import { num, table, withSpread } from './lib/stats.mjs';

export async function run({ app, cookie }, { rounds = 3, seconds = 5, warmup = 1, connections = 8, log = () => {} } = {}) {
  const list = [
    { key: 'static', label: 'static 1 KB route (Next floor)', url: `${app.url}/static`, headers: { cookie } },
    {
      key: 'session',
      label: 'GET /api/auth/session (signed in)',
      url: `${app.url}/api/auth/session`,
      headers: { cookie },
      expect: (res, text) => {
        if (JSON.parse(text).status !== 'authenticated') throw new Error(`session endpoint answered ${text}`);
      },
    },
    {
      key: 'sessionStatic',
      label: 'same, mounted as a static route file (app/api/auth-static/session/route.js)',
      url: `${app.url}/api/auth-static/session`,
      headers: { cookie },
      expect: (res, text) => {
        if (JSON.parse(text).status !== 'authenticated') throw new Error(`static session route answered ${text}`);
      },
    },
  ];
  const r = await httpRounds(list, { appPid: app.pid, rounds, seconds, warmup, connections, log });
  const vsStatic = rpsRatio(r, 'session', 'static');
  const staticFileVsStatic = rpsRatio(r, 'sessionStatic', 'static');
  const rows = list.map((c) => {
    const cells = rowCells(r[c.key], r.static);
    return [c.label, cells[0], num(r[c.key].rps.median / r.static.rps.median, 2), ...cells.slice(2)];
  });
  return {
    name: 'session-endpoint',
    title: `Session endpoint vs static route, ${connections} connections, ${rounds} rounds × ${seconds} s`,
    table: table(['contender', 'req/s (median ±spread)', '× static', 'p50 ms', 'p99 ms', 'app CPU µs/req', 'errors'], rows),
    note:
      `session/static req/s per round: ${withSpread(vsStatic, 2)} via [...bffkit], ${withSpread(staticFileVsStatic, 2)} via a static route file. ` +
      `CPU over the static route: ${num(r.session.cpu.median - r.static.cpu.median)} µs/req via [...bffkit], ${num(r.sessionStatic.cpu.median - r.static.cpu.median)} µs/req via the static file.`,
    results: { ...r, sessionVsStatic: vsStatic, staticFileVsStatic },
    goals: [
      { name: 'session endpoint ≥ 0.9× static route ([...bffkit] catch-all)', value: vsStatic.median, target: 0.9, met: vsStatic.median >= 0.9 },
      { name: 'session endpoint ≥ 0.9× static route (static route file)', value: staticFileVsStatic.median, target: 0.9, met: staticFileVsStatic.median >= 0.9 },
    ],
  };
}
