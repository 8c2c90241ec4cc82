// Runs HTTP contenders in alternating rounds: req/s, p50/p99 latency and app CPU µs per request.
import { cpuSeconds } from './procs.mjs';
import { load } from './load.mjs';
import { num, rotated, sleep, summary, withSpread } from './stats.mjs';

/**
 * Checks that a contender answers what it should before it is measured (a fast 404 is not a win).
 * `expect(res, text)` may throw.
 */
export async function probe(c) {
  const res = await fetch(c.url, { headers: c.headers });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${c.label}: ${c.url} answered ${res.status}: ${text.slice(0, 200)}`);
  c.expect?.(res, text);
}

/**
 * Each round runs every contender once (order rotated per round) for `seconds`; the first round is
 * preceded by a warm-up of each. Many short rounds beat few long ones on a shared machine: the
 * per-round ratios pair runs that are seconds apart. CPU is the app process tree's utime+stime delta over the measured load.
 */
export async function httpRounds(contenders, { appPid, rounds, seconds, warmup, connections, log = () => {} }) {
  for (const c of contenders) await probe(c);
  const per = Object.fromEntries(contenders.map((c) => [c.key, { rps: [], p50: [], p99: [], cpu: [], bad: 0 }]));
  for (let r = 0; r < rounds; r++) {
    for (const c of rotated(contenders, r)) {
      // Warm-up (JIT, keep-alive sockets) in the first round only; later rounds start warm.
      if (warmup > 0 && r === 0) await load({ url: c.url, headers: c.headers, connections, seconds: warmup });
      await sleep(200);
      const cpu0 = cpuSeconds(appPid);
      const res = await load({ url: c.url, headers: c.headers, connections, seconds });
      const cpu1 = cpuSeconds(appPid);
      const p = per[c.key];
      p.rps.push(res.rps);
      p.p50.push(res.p50);
      p.p99.push(res.p99);
      p.cpu.push(c.appCpu === false ? NaN : ((cpu1 - cpu0) * 1e6) / res.requests);
      p.bad += res.errors + res.non2xx;
      log(`    ${c.key}: ${num(res.rps)} req/s, p50 ${num(res.p50, 2)} ms, p99 ${num(res.p99, 2)} ms`);
    }
    log(`  round ${r + 1}/${rounds} done`);
  }
  const out = {};
  for (const c of contenders) {
    const p = per[c.key];
    out[c.key] = { rps: summary(p.rps), p50: summary(p.p50), p99: summary(p.p99), cpu: summary(p.cpu), failed: p.bad, raw: p };
  }
  return out;
}

/** Per-round ratio a/b of req/s (same round, adjacent runs). */
export function rpsRatio(results, a, b) {
  return pairedRatio(results, a, b, 'rps');
}

/** Per-round ratio a/b of any per-round figure ('rps', 'p99', 'cpu'…). */
export function pairedRatio(results, a, b, field) {
  const xs = results[a].raw[field].map((x, i) => x / results[b].raw[field][i]);
  return summary(xs);
}

/** Table row cells for one contender. */
export function rowCells(r, baseline) {
  return [
    withSpread(r.rps),
    baseline ? num(r.rps.median / baseline.rps.median, 2) : '',
    withSpread(r.p50, 2),
    withSpread(r.p99, 2),
    Number.isFinite(r.cpu.median) ? withSpread(r.cpu) : 'n/a',
    String(r.failed),
  ];
}

export const HTTP_HEAD = ['req/s (median ±spread)', '× naive', 'p50 ms', 'p99 ms', 'app CPU µs/req', 'errors'];
