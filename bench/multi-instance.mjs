#!/usr/bin/env node
// Multi-instance refresh storm (a benchmark, not a test): the example backend with a short
// access-token lifetime, two `next start` instances of the example app behind nginx (round robin),
// one signed-in browser. After every expiry of its access token the browser fires a storm of N
// parallel requests with the same cookie (fresh connections, so they spread over both instances),
// keeps the Set-Cookie lines in the order the responses complete (as a browser does) and goes on
// with whatever cookie it ends up with. Per expiry cycle: backend refreshes (/__stats), refresh-token
// reuse the backend detected, answers 200 / 401 session_expired / other 4xx / 5xx, and whether the
// browser is still signed in afterwards (a sign-out ends the cycle and the browser logs in again).
//
//   node bench/multi-instance.mjs [--mode cookie|redis|both] [--cycles 5] [--ttl 10] [--storm 60]
//                                 [--instances 2] [--out FILE]
//
// cookie = the default stateless cookie mode (no shared state); redis = BFF_SESSION_STORE=redis.
// Needs a built example app and backend (`npm run build`), nginx and (for redis) redis-server.
// Only 127.0.0.1 traffic; bounded by --cycles; every child process is stopped at the end.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BACKEND_ENTRY } from './lib/procs.mjs';
import { EXAMPLE_APP_DIR, cookieJar, login, request, startSite } from './lib/site.mjs';
import { sleep, table } from './lib/stats.mjs';

function parseArgs(argv) {
  const o = { mode: 'both', cycles: 5, ttl: 10, storm: 60, instances: 2, out: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === '--mode') o.mode = next();
    else if (a === '--cycles') o.cycles = Number(next());
    else if (a === '--ttl') o.ttl = Number(next());
    else if (a === '--storm') o.storm = Number(next());
    else if (a === '--instances') o.instances = Number(next());
    else if (a === '--out') o.out = next();
    else throw new Error(`unknown option ${a}`);
  }
  if (!['cookie', 'redis', 'both'].includes(o.mode)) throw new Error('--mode must be cookie, redis or both');
  for (const k of ['cycles', 'ttl', 'storm', 'instances']) {
    if (!(Number.isInteger(o[k]) && o[k] > 0)) throw new Error(`--${k} must be a positive whole number`);
  }
  return o;
}

const log = (...a) => console.error(...a);

/** One storm: N parallel same-cookie GETs through the load balancer. */
async function storm(site, jar, n) {
  const cookie = jar.header();
  const url = `${site.url}/api/backend/notes`;
  const headers = { cookie, accept: 'application/json', host: new URL(site.origin).host };
  const done = [];
  await Promise.all(
    Array.from({ length: n }, () =>
      request(url, { headers, fresh: true }).then((r) => {
        done.push(r); // completion order
        return r;
      }),
    ),
  );
  for (const r of done) jar.apply(r.setCookies);
  return done;
}

async function runMode(mode, o) {
  const site = await startSite({ instances: o.instances, mode, accessTokenTtl: o.ttl, log });
  const cycles = [];
  try {
    const jar = cookieJar();
    await login(site, jar);
    // Warm both instances (modules, connections) while the token is fresh.
    for (let i = 0; i < 2 * o.instances; i++) await request(`${site.url}/api/backend/notes`, { headers: { cookie: jar.header() } });
    for (let c = 1; c <= o.cycles; c++) {
      await sleep((o.ttl + 1) * 1000); // the access token is now expired
      await site.backend.resetStats();
      const replies = await storm(site, jar, o.storm);
      const stats = await site.backend.stats();
      const session = await request(`${site.url}/api/auth/session`, { headers: { cookie: jar.header(), accept: 'application/json' } });
      const signedIn = session.status === 200 && JSON.parse(session.body).status === 'authenticated';
      const codes = {};
      for (const r of replies) {
        const k = `${r.status}${r.code ? ` ${r.code}` : ''}`;
        codes[k] = (codes[k] ?? 0) + 1;
      }
      const row = {
        cycle: c,
        // Every call to POST /auth/refresh: rotated (refreshes) or rejected (refresh_failures).
        refreshes: stats.refreshes + stats.refresh_failures,
        rotated: stats.refreshes,
        reuseDetected: stats.refresh_reuse_detected,
        codes,
        ok: replies.filter((r) => r.status === 200).length,
        sessionExpired: replies.filter((r) => r.status === 401 && r.code === 'session_expired').length,
        other4xx: replies.filter((r) => r.status >= 400 && r.status < 500 && !(r.status === 401 && r.code === 'session_expired')).length,
        fiveXx: replies.filter((r) => r.status >= 500 || r.status === 0).length,
        signedIn,
      };
      cycles.push(row);
      log(
        `  ${mode} cycle ${c}/${o.cycles}: ${row.refreshes} refresh call(s) (${row.rotated} rotated, ${row.reuseDetected} reuse detected); ` +
          `answers ${JSON.stringify(codes)}; ${signedIn ? 'still signed in' : 'SIGNED OUT'}`,
      );
      if (!signedIn) await login(site, jar); // the user signs in again; the next cycle measures afresh
    }
  } finally {
    await site.stop();
  }
  return cycles;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  for (const [what, path] of [['example backend', BACKEND_ENTRY], ['example app', join(EXAMPLE_APP_DIR, '.next', 'BUILD_ID')]]) {
    if (!existsSync(path)) throw new Error(`the ${what} is not built (${path} is missing): run npm run build first`);
  }
  const modes = o.mode === 'both' ? ['cookie', 'redis'] : [o.mode];
  const results = {};
  for (const mode of modes) results[mode] = await runMode(mode, o);
  console.log(
    `\nMulti-instance refresh storm: ${o.instances} × next start behind nginx (round robin), access token ${o.ttl} s, ` +
      `${o.storm} parallel same-cookie requests after each expiry\n`,
  );
  const rows = [];
  for (const mode of modes) {
    for (const r of results[mode]) {
      rows.push([mode, r.cycle, `${r.refreshes} (${r.rotated} rotated)`, r.reuseDetected, r.ok, r.sessionExpired, r.other4xx, r.fiveXx, r.signedIn ? 'signed in' : '**signed out**']);
    }
  }
  console.log(
    table(['mode', 'cycle', 'backend refresh calls', 'reuse detected', '200', '401 session_expired', 'other 4xx', '5xx', 'after the storm'], rows),
  );
  for (const mode of modes) {
    const rs = results[mode];
    const signOuts = rs.filter((r) => !r.signedIn).length;
    const one = rs.filter((r) => r.refreshes === 1).length;
    console.log(`${mode}: ${rs.length} cycles, ${one} with exactly one refresh call, ${signOuts} sign-outs, ${rs.reduce((n, r) => n + r.fiveXx, 0)} × 5xx`);
  }
  if (o.out) writeFileSync(o.out, `${JSON.stringify({ options: o, results, at: new Date().toISOString() }, null, 2)}\n`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
