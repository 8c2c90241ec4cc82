// Benchmark 6: a 200 MB download (the backend's /notes/export/stream) through bffkit's forwarding
// route vs straight from the backend: MB/s, and the app process's peak RSS growth while streaming
// (sampled from /proc every 20 ms against the RSS just before the request).
import http from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { processTree, rssBytes } from './lib/procs.mjs';
import { num, rotated, sleep, summary, table, withSpread } from './lib/stats.mjs';

const MB = 1024 * 1024;
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc'); // this process's garbage (the client) is not measured, but keeps the box quieter
const SAMPLE_MS = 20;

/** Downloads `url`, discarding the bytes: { bytes, seconds, status }. `slow`: pause 1 ms per chunk. */
function download(url, headers, timeoutMs, slow = false) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.get(url, { headers, agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (c) => {
        bytes += c.length;
        if (slow) {
          res.pause();
          setTimeout(() => res.resume(), 1);
        }
      });
      res.on('end', () => resolve({ bytes, seconds: (performance.now() - t0) / 1000, status: res.statusCode }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`download timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

export async function run({ app, backend, bearer, cookie }, { rounds = 3, megabytes = 200, log = () => {} } = {}) {
  const bytes = megabytes * MB;
  const path = `/notes/export/stream?bytes=${bytes}`;
  const contenders = [
    { key: 'direct', label: 'direct backend', url: `${backend.url}${path}`, headers: { authorization: `Bearer ${bearer}` } },
    { key: 'bffkit', label: 'bffkit forwarding, route handler', url: `${app.url}/api/backend${path}`, headers: { cookie } },
    { key: 'proxy', label: 'bffkit forwarding, in proxy.ts', url: `${app.url}/api/px${path}`, headers: { cookie } },
    { key: 'naive', label: 'naive route handler', url: `${app.url}/naive${path}`, headers: { authorization: `Bearer ${bearer}` } },
  ];
  const per = Object.fromEntries(contenders.map((c) => [c.key, { mbps: [], rss: [], bad: 0 }]));
  const tree = processTree(app.pid);
  // Warm-up (not measured): the first large body through each path grows buffer pools and JIT code once.
  for (const c of contenders) await download(c.url.replace(`bytes=${bytes}`, `bytes=${8 * MB}`), c.headers, 60_000);
  for (let r = 0; r < rounds; r++) {
    for (const c of rotated(contenders, r)) {
      gc();
      await sleep(300);
      const base = rssBytes(app.pid, tree);
      let peak = base;
      const timer = setInterval(() => (peak = Math.max(peak, rssBytes(app.pid, tree))), SAMPLE_MS);
      const res = await download(c.url, c.headers, 120_000).finally(() => clearInterval(timer));
      peak = Math.max(peak, rssBytes(app.pid, tree));
      if (res.status !== 200 || res.bytes !== bytes) per[c.key].bad++;
      per[c.key].mbps.push(res.bytes / MB / res.seconds);
      per[c.key].rss.push(c.key === 'direct' ? NaN : (peak - base) / MB);
      log(`    ${c.key}: ${num(res.bytes / MB / res.seconds)} MB/s, app RSS +${num((peak - base) / MB, 1)} MB`);
    }
  }
  // A slow reader (backpressure all the way to the upstream): memory must stay flat.
  const slowBytes = Math.min(bytes, (megabytes >= 100 ? 100 : megabytes) * MB);
  const slow = {};
  for (const c of contenders.filter((x) => x.key === 'bffkit' || x.key === 'proxy')) {
    gc();
    await sleep(300);
    const base = rssBytes(app.pid, tree);
    let peak = base;
    const timer = setInterval(() => (peak = Math.max(peak, rssBytes(app.pid, tree))), SAMPLE_MS);
    const res = await download(c.url.replace(`bytes=${bytes}`, `bytes=${slowBytes}`), c.headers, 120_000, true).finally(() => clearInterval(timer));
    slow[c.key] = { mbps: res.bytes / MB / res.seconds, rss: (Math.max(peak, rssBytes(app.pid, tree)) - base) / MB, ok: res.bytes === slowBytes };
    log(`    slow reader via ${c.key}: ${num(slow[c.key].mbps)} MB/s, app RSS +${num(slow[c.key].rss, 1)} MB`);
  }
  const s = Object.fromEntries(contenders.map((c) => [c.key, { mbps: summary(per[c.key].mbps), rss: summary(per[c.key].rss), failed: per[c.key].bad }]));
  const growth = (k) => Math.max(...per[k].rss);
  const rows = contenders.map((c) => [
    c.label,
    withSpread(s[c.key].mbps),
    num(s[c.key].mbps.median / s.direct.mbps.median, 2),
    c.key === 'direct' ? 'n/a' : `${num(s[c.key].rss.median, 1)} (max ${num(s[c.key].rss.max, 1)})`,
    String(s[c.key].failed),
  ]);
  return {
    name: 'streaming',
    title: `Streaming ${megabytes} MB download (${rounds} rounds)`,
    table: table(['contender', 'MB/s (median ±spread)', '× direct', 'app RSS growth MB (median, max)', 'failed'], rows),
    results: { ...s, raw: per, slowReader: slow },
    note:
      `Slow reader (${num(slowBytes / MB)} MB at ~${num(slow.bffkit?.mbps ?? NaN)} MB/s, backpressure to the backend): app RSS +${num(slow.bffkit?.rss ?? NaN, 1)} MB via the route handler, ` +
      `+${num(slow.proxy?.rss ?? NaN, 1)} MB via proxy.ts. Peak RSS includes garbage not yet collected: V8 collects chunk buffers (external memory) ` +
      'after tens of MB of them, so a fast transfer can peak higher than what is actually held.',
    goals: [
      { name: `streaming ${megabytes} MB: RSS growth ≤ 64 MB (route handler)`, value: growth('bffkit'), target: 64, met: growth('bffkit') <= 64 && s.bffkit.failed === 0 },
      { name: `streaming ${megabytes} MB: RSS growth ≤ 64 MB (proxy.ts)`, value: growth('proxy'), target: 64, met: growth('proxy') <= 64 && s.proxy.failed === 0 },
    ],
  };
}
