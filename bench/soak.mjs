#!/usr/bin/env node
// Soak (a benchmark, not a test): two `next start` instances of the example app behind nginx (round
// robin), sessions in Redis (BFF_SESSION_STORE=redis), the example backend with a short access-token
// lifetime, and closed-loop load at bounded concurrency for --duration seconds: session reads, API
// forwarding, a Server Component page that fetches from the backend (/profile), logins (each replacing
// one of the signed-in sessions after a logout), and the token refreshes all that load causes.
//
//   npm run soak                                   # 600 s
//   node bench/soak.mjs --duration 60 [--sessions 40] [--concurrency 16] [--ttl 20] [--out FILE]
//
// Reports requests, errors (any answer but the expected status, or no answer), backend refreshes per
// token expiry (from the backend's /__stats), p50/p99 per kind of request, and the RSS of each
// instance over time (/proc/<pid>/status VmRSS of each `next start` process), then one line:
//   soak: 600 s, N requests (R req/s), 0 errors, ... PASS|FAIL
// PASS needs: 0 errors; exactly one refresh per token expiry (counted by the backend: no refresh of a
// token younger than its due age, no reuse of a rotated refresh token, no failed refresh, no expired
// access token; the clock estimate of expiries within one per session lifetime); RSS of each instance flat within 10% after
// warm-up (median of the last fifth vs median of the first fifth after warm-up; warm-up is the first
// half of the run; judged only in runs of 300 s or more: measured here, each instance's RSS grows for
// about five minutes, V8's heap and Next's caches filling up to their working size, then stays flat).
// Exit code 1 on FAIL.
// Only 127.0.0.1 traffic; bounded by --duration; every child process is stopped at the end.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { BACKEND_ENTRY, DEMO, processTree } from './lib/procs.mjs';
import { EXAMPLE_APP_DIR, cookieJar, request, startSite } from './lib/site.mjs';
import { num, sleep } from './lib/stats.mjs';

const SECOND_USER = { email: 'second@example.com', password: 'second-password' };
/** The library's refresh rule (core/lifetime.ts): due when min(skew 30 s, lifetime/2) remain. */
const refreshPeriod = (ttl) => ttl - Math.max(Math.min(30, Math.floor(ttl / 2)), ttl >= 4 ? 1 : 0);

function parseArgs(argv) {
  const o = { duration: 600, sessions: 40, concurrency: 16, ttl: 20, sampleEvery: 5, out: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === '--duration') o.duration = Number(next());
    else if (a === '--sessions') o.sessions = Number(next());
    else if (a === '--concurrency') o.concurrency = Number(next());
    else if (a === '--ttl') o.ttl = Number(next());
    else if (a === '--sample-every') o.sampleEvery = Number(next());
    else if (a === '--out') o.out = next();
    else throw new Error(`unknown option ${a}`);
  }
  for (const k of ['duration', 'sessions', 'concurrency', 'ttl', 'sampleEvery']) {
    if (!(Number.isFinite(o[k]) && o[k] > 0)) throw new Error(`--${k} must be a positive number`);
  }
  return o;
}

const log = (...a) => console.error(...a);

/** VmRSS of one process (bytes), from /proc/<pid>/status; NaN once it is gone. */
function vmRss(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}
/** Below this many seconds the RSS trend is still V8's heap warming up: reported, not judged. */
const RSS_JUDGED_FROM = 300;

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[s.length >> 1] : NaN;
};

async function main() {
  const o = parseArgs(process.argv.slice(2));
  for (const [what, path] of [['example backend', BACKEND_ENTRY], ['example app', join(EXAMPLE_APP_DIR, '.next', 'BUILD_ID')]]) {
    if (!existsSync(path)) throw new Error(`the ${what} is not built (${path} is missing): run npm run build first`);
  }
  const site = await startSite({ instances: 2, mode: 'redis', accessTokenTtl: o.ttl, log });
  const host = new URL(site.origin).host;
  const json = { 'content-type': 'application/json', 'x-csrf': '1', origin: site.origin, host };
  /** Latencies (ms) and error counts per kind of request. */
  const kinds = new Map();
  const errors = [];
  let total = 0;
  const record = (kind, res, ok) => {
    total++;
    let k = kinds.get(kind);
    if (!k) kinds.set(kind, (k = { ms: [], errors: 0 }));
    k.ms.push(res.ms);
    if (!ok) {
      k.errors++;
      if (errors.length < 20) errors.push(`${kind}: ${res.status} ${res.body.slice(0, 120)}`);
    }
  };

  /** One signed-in browser: its cookie jar and when its session began. */
  const signIn = async (user) => {
    const jar = cookieJar();
    const res = await request(`${site.url}/api/auth/login`, { method: 'POST', headers: json, body: JSON.stringify(user) });
    record('login', res, res.status === 200);
    jar.apply(res.setCookies);
    return { jar, user, since: Date.now(), busy: false };
  };

  const stopAt = () => Date.now() >= deadline;
  let deadline = Infinity;
  const sessions = [];
  for (let i = 0; i < o.sessions; i++) sessions.push(await signIn(i % 2 ? SECOND_USER : DEMO));
  const ended = []; // { since, until } of sessions replaced by a new login
  await site.backend.resetStats();
  const started = Date.now();
  deadline = started + o.duration * 1000;

  // RSS of each instance every `sampleEvery` seconds.
  const samples = site.apps.map(() => []);
  const sampler = setInterval(() => {
    const t = (Date.now() - started) / 1000;
    site.apps.forEach((app, i) => samples[i].push({ t, rss: vmRss(app.pid) }));
  }, o.sampleEvery * 1000);
  samples.forEach((s, i) => s.push({ t: 0, rss: vmRss(site.apps[i].pid) }));
  const load0 = os.loadavg().map((x) => x.toFixed(2)).join(' ');

  const progress = setInterval(async () => {
    const s = await site.backend.stats().catch(() => ({}));
    const t = (Date.now() - started) / 1000;
    const rss = site.apps.map((app) => `${num(vmRss(app.pid) / 2 ** 20)} MB`).join(' / ');
    const errs = [...kinds.values()].reduce((n, k) => n + k.errors, 0);
    log(`  ${num(t)} s: ${total} requests (${num(total / t)} req/s), ${errs} errors, ${s.refreshes ?? '?'} refreshes, RSS ${rss}`);
  }, 30_000);

  // Closed-loop workers: each picks a free session and an operation, no think time.
  let rr = 0;
  const worker = async () => {
    while (!stopAt()) {
      let s;
      for (let tries = 0; tries < sessions.length && !s; tries++) {
        const c = sessions[rr++ % sessions.length];
        if (!c.busy) s = c;
      }
      if (!s) {
        await sleep(5);
        continue;
      }
      s.busy = true;
      try {
        const x = Math.random();
        const headers = { cookie: s.jar.header(), accept: 'application/json', host };
        if (x < 0.35) {
          const res = await request(`${site.url}/api/auth/session`, { headers });
          record('session', res, res.status === 200 && res.body.includes('"authenticated"'));
          s.jar.apply(res.setCookies);
        } else if (x < 0.7) {
          const res = await request(`${site.url}/api/backend/notes`, { headers });
          record('forward', res, res.status === 200);
          s.jar.apply(res.setCookies);
        } else if (x < 0.995) {
          const res = await request(`${site.url}/profile`, { headers: { ...headers, accept: 'text/html' } });
          record('page', res, res.status === 200 && res.body.includes('data-testid="profile-email"'));
          s.jar.apply(res.setCookies);
        } else {
          // A new sign-in replaces this browser's session: log out first (the old session ends).
          const out = await request(`${site.url}/api/auth/logout`, { method: 'POST', headers: { ...json, cookie: s.jar.header() }, body: '{}' });
          record('logout', out, out.status === 200);
          ended.push({ since: s.since, until: Date.now() });
          const fresh = await signIn(s.user);
          s.jar = fresh.jar;
          s.since = fresh.since;
        }
      } finally {
        s.busy = false;
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  const seconds = (Date.now() - started) / 1000;
  clearInterval(sampler);
  clearInterval(progress);
  samples.forEach((s, i) => s.push({ t: seconds, rss: vmRss(site.apps[i].pid) }));
  const children = site.apps.map((app) => processTree(app.pid).length - 1);
  const load1 = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  const stats = await site.backend.stats();
  await site.stop();

  // Exactly one refresh per token expiry, counted by the backend, not estimated: a refresh that rotated
  // a token younger than its due age (refresh_ages) would be one too many (early); two of one token show
  // as reuse; a due token nobody refreshed would reach the backend expired. With none of these, every
  // refresh is the one refresh of one expiry, so expiries = refreshes, exactly.
  const period = refreshPeriod(o.ttl);
  const ages = stats.refresh_ages ?? {};
  const early = Object.entries(ages).reduce((n, [age, count]) => n + (Number(age) < period ? count : 0), 0);
  const expiries = stats.refreshes - early;
  // The clock estimate (one expiry per `period` of each session's lifetime) is only a sanity check: it
  // undercounts by up to one per session, because a token generation is shorter than `period` in real
  // time (bffkit stamps issuedAt in whole seconds, rounded down: a token refreshed at 12.7 s comes due
  // at 22 s, 9.3 s later), and a session signed in before the timed window had its first expiry less
  // than `period` after the window opened.
  const now = started + seconds * 1000;
  const lifetimes = [...sessions.map((s) => ({ since: s.since, until: now })), ...ended].map(({ since, until }) => (until - Math.max(since, started)) / 1000);
  const estimate = lifetimes.reduce((n, life) => n + Math.floor(life / period), 0);
  const errorsTotal = [...kinds.values()].reduce((n, k) => n + k.errors, 0);
  const refreshOk =
    stats.refresh_reuse_detected === 0 &&
    stats.refresh_failures === 0 &&
    stats.expired_token_requests === 0 &&
    early === 0 &&
    Math.abs(stats.refreshes - estimate) <= lifetimes.length;

  // RSS flat within 10% after warm-up (the first half of the run).
  const warmup = seconds / 2;
  const rssReport = samples.map((list, i) => {
    const after = list.filter((x) => x.t >= warmup);
    const fifth = Math.max(1, Math.floor(after.length / 5));
    const first = median(after.slice(0, fifth).map((x) => x.rss));
    const last = median(after.slice(-fifth).map((x) => x.rss));
    const growth = (last - first) / first;
    const peak = Math.max(...list.map((x) => x.rss));
    return { instance: i + 1, pid: site.apps[i].pid, first, last, growth, peak, samples: list };
  });
  const rssJudged = seconds >= RSS_JUDGED_FROM;
  const rssFlat = rssReport.every((r) => Number.isFinite(r.growth) && r.growth <= 0.1);
  const rssOk = !rssJudged || rssFlat;

  const all = [...kinds.values()].flatMap((k) => k.ms).sort((a, b) => a - b);
  console.log(`\nSoak: ${num(seconds)} s, 2 × next start behind nginx (round robin), Redis store, access token ${o.ttl} s (refresh due every ${period} s), ${o.sessions} sessions, concurrency ${o.concurrency}`);
  console.log(`${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), Node ${process.version}; load average ${load0} at start, ${load1} at end; child processes per instance: ${children.join(', ')}\n`);
  console.log('| request | count | errors | p50 ms | p99 ms |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const [kind, k] of [...kinds].sort()) {
    const s = [...k.ms].sort((a, b) => a - b);
    console.log(`| ${kind} | ${s.length} | ${k.errors} | ${num(percentile(s, 50), 1)} | ${num(percentile(s, 99), 1)} |`);
  }
  console.log(`| all | ${all.length} | ${errorsTotal} | ${num(percentile(all, 50), 1)} | ${num(percentile(all, 99), 1)} |`);
  console.log(
    `\nbackend: ${stats.refreshes} refreshes for ${expiries} token expiries (each rotated a token at least ${period} s old: ages ${JSON.stringify(ages)}; ${early} early), ` +
      `${stats.refresh_reuse_detected} reuse detected, ${stats.refresh_failures} failed refreshes, ${stats.expired_token_requests} expired tokens received, ${stats.logins} logins; ` +
      `clock estimate ${estimate} expiries (${lifetimes.length} session lifetimes, one per ${period} s each: undercounts by up to one per session)`,
  );
  for (const r of rssReport) {
    const series = r.samples.filter((_, j) => j % Math.max(1, Math.floor(r.samples.length / 12)) === 0).map((x) => `${num(x.t)}s:${num(x.rss / 2 ** 20)}`).join(' ');
    console.log(`instance ${r.instance} RSS (MB): after warm-up ${num(r.first / 2 ** 20)} → end ${num(r.last / 2 ** 20)} (${r.growth >= 0 ? '+' : ''}${num(r.growth * 100, 1)}%), peak ${num(r.peak / 2 ** 20)}; ${series}`);
  }
  for (const e of errors) console.log(`error: ${e}`);
  const pass = errorsTotal === 0 && refreshOk && rssOk;
  const rssLine =
    rssReport.map((r) => `${num(r.first / 2 ** 20)}→${num(r.last / 2 ** 20)} MB`).join(', ') +
    (rssJudged ? (rssFlat ? ' (flat)' : ' (grew >10%)') : ` (not judged under ${RSS_JUDGED_FROM} s)`);
  console.log(
    `soak: ${num(seconds)} s, ${total} requests (${num(total / seconds)} req/s), ${errorsTotal} errors, ` +
      `${stats.refreshes} refreshes / ${expiries} expiries (${early} early, ${stats.refresh_reuse_detected} reuse), p50 ${num(percentile(all, 50), 1)} ms, ` +
      `p99 ${num(percentile(all, 99), 1)} ms, RSS ${rssLine}: ${pass ? 'PASS' : `FAIL (${[errorsTotal ? 'errors' : '', refreshOk ? '' : 'refreshes', rssOk ? '' : 'RSS'].filter(Boolean).join(', ')})`}`,
  );
  if (o.out) {
    writeFileSync(
      o.out,
      `${JSON.stringify({ options: o, seconds, total, errors: errorsTotal, stats, expiries, estimate, kinds: Object.fromEntries([...kinds].map(([k, v]) => [k, { count: v.ms.length, errors: v.errors }])), rss: rssReport, pass }, null, 2)}\n`,
    );
  }
  return pass ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
