// Benchmark 5: refresh storm. One signed-in browser fires N concurrent API calls after its access
// token expired; bffkit must refresh exactly once (single flight) and every call must succeed.
// Then one more call after the NEW token expired checks that the rotated refresh token still works
// (no reuse detection tripped by a loser of the race). Counts come from the backend's /__stats.
import http from 'node:http';
import { cookieHeaderFrom } from './lib/procs.mjs';
import { num, sleep, summary, table } from './lib/stats.mjs';

/** GET with a fresh connection each (like N browser tabs/requests in flight at once). */
function get(url, headers) {
  return new Promise((resolve) => {
    const req = http.get(url, { headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, setCookies: res.headers['set-cookie'] ?? [] }));
      res.on('error', () => resolve({ status: 0, setCookies: [] }));
    });
    req.setTimeout(30_000, () => req.destroy());
    req.on('error', () => resolve({ status: 0, setCookies: [] }));
  });
}

/**
 * `env` = { app, backend, ttl } where the backend issues access tokens of `ttl` seconds.
 */
export async function run({ app, backend, ttl }, { rounds = 3, concurrency = 100, log = () => {} } = {}) {
  const perRound = [];
  for (let r = 0; r < rounds; r++) {
    const cookie = await app.login();
    await sleep((ttl + 1.2) * 1000); // the access token is now expired, not just due
    await backend.resetStats();
    const t0 = performance.now();
    const results = await Promise.all(Array.from({ length: concurrency }, () => get(`${app.url}/api/backend/notes`, { cookie })));
    const ms = performance.now() - t0;
    const stats = await backend.stats();
    const ok = results.filter((x) => x.status === 200).length;
    const fresh = results.find((x) => x.setCookies.length > 0);
    // The next refresh (with the rotated refresh token) must succeed too.
    let after = 'n/a';
    if (fresh) {
      await sleep((ttl + 1.2) * 1000);
      const next = await get(`${app.url}/api/backend/notes`, { cookie: cookieHeaderFrom(fresh.setCookies) });
      after = next.status;
    }
    const stats2 = await backend.stats();
    perRound.push({
      refreshes: stats.refreshes,
      ok,
      failed: concurrency - ok,
      ms,
      expiredTokensSeen: stats.expired_token_requests,
      nextRefreshStatus: after,
      reuseDetected: stats2.refresh_reuse_detected,
    });
    log(`  refresh storm round ${r + 1}/${rounds}: ${stats.refreshes} refresh(es), ${ok}/${concurrency} ok in ${num(ms)} ms, next call ${after}`);
  }
  const maxRefreshes = Math.max(...perRound.map((x) => x.refreshes));
  const minRefreshes = Math.min(...perRound.map((x) => x.refreshes));
  const failed = perRound.reduce((n, x) => n + x.failed, 0);
  const nextOk = perRound.every((x) => x.nextRefreshStatus === 200);
  const reuse = perRound.reduce((n, x) => n + x.reuseDetected, 0);
  const ms = summary(perRound.map((x) => x.ms));
  return {
    name: 'refresh-storm',
    title: `Refresh storm: ${concurrency} concurrent calls with an expired access token (${rounds} rounds)`,
    table: table(
      ['backend refresh calls per storm', 'failed calls', 'storm wall time ms (median)', 'expired tokens sent to backend', 'next refresh after the storm', 'reuse detected'],
      [[minRefreshes === maxRefreshes ? String(maxRefreshes) : `${minRefreshes}–${maxRefreshes}`, String(failed), num(ms.median), String(perRound.reduce((n, x) => n + x.expiredTokensSeen, 0)), nextOk ? '200 every round' : 'FAILED', String(reuse)]],
    ),
    results: { perRound },
    goals: [
      { name: 'refresh storm: exactly 1 backend refresh', value: maxRefreshes, target: 1, met: minRefreshes === 1 && maxRefreshes === 1 },
      { name: 'refresh storm: 0 failures', value: failed, target: 0, met: failed === 0 && nextOk && reuse === 0 },
    ],
  };
}
