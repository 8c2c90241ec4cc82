// Benchmark 7: time to the first byte of a page with Cache Components on (bench/shell-app, one
// `next start`): the README's layout (static shell, the session streamed in) against the same page
// fully static, in the same process, one request at a time, contenders alternating.
import http from 'node:http';
import { num, rotated, summary, table, withSpread } from './lib/stats.mjs';

/** Time to the response's first byte (status line and headers), and to its end, in ms. */
function timeOne(agent, url, headers) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const req = http.get(url, { agent, headers }, (res) => {
      const first = Number(process.hrtime.bigint() - start) / 1e6;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ first, total: Number(process.hrtime.bigint() - start) / 1e6, status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
  });
}

/** Checks a contender answers what it should before it is measured. */
async function probe(agent, c) {
  const r = await timeOne(agent, c.url, c.headers);
  if (r.status !== 200) throw new Error(`${c.label}: ${c.url} answered ${r.status}`);
  const postponed = r.headers['x-nextjs-postponed'] === '1';
  if (postponed !== c.partial) throw new Error(`${c.label}: expected ${c.partial ? 'a partially prerendered' : 'a fully static'} page (x-nextjs-postponed: ${r.headers['x-nextjs-postponed']})`);
  c.expect?.(r.body);
}

export async function run({ app, cookie }, { rounds = 8, requests = 200, warmup = 50, log = () => {} } = {}) {
  const base = app.url;
  const list = [
    { key: 'static', label: 'the same page, fully static (○), no session in its layout', url: `${base}/static`, partial: false },
    { key: 'floor', label: 'with one empty dynamic hole, no bffkit (◐): Next\'s own cost', url: `${base}/floor`, partial: true },
    {
      key: 'shell',
      label: 'README layout, anonymous: static shell + streamed session, proxy.ts skipped by a narrow matcher',
      url: `${base}/shell`,
      partial: true,
      expect: (body) => {
        if (!body.includes('Not signed in')) throw new Error('the anonymous shell page did not stream the session');
      },
    },
    { key: 'always', label: 'same, with proxy.ts run for every page (the README matcher)', url: `${base}/always`, partial: true },
    {
      key: 'client',
      label: 'SessionProvider without a session (the session asked for after hydration): fully static (○)',
      url: `${base}/client`,
      partial: false,
    },
    {
      key: 'signedIn',
      label: 'README layout, signed in (proxy.ts runs, the session streams in)',
      url: `${base}/shell`,
      headers: { cookie },
      partial: true,
      expect: (body) => {
        if (!body.includes('Signed in as')) throw new Error('the signed-in page did not stream the user');
      },
    },
  ];
  // One kept-alive connection: a request never waits behind another, so this is the page's own time.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    for (const c of list) await probe(agent, c);
    const per = Object.fromEntries(list.map((c) => [c.key, { first: [], total: [] }]));
    for (let r = 0; r < rounds; r++) {
      for (const c of rotated(list, r)) {
        if (r === 0) for (let i = 0; i < warmup; i++) await timeOne(agent, c.url, c.headers);
        const firsts = [];
        const totals = [];
        for (let i = 0; i < requests; i++) {
          const t = await timeOne(agent, c.url, c.headers);
          firsts.push(t.first);
          totals.push(t.total);
        }
        per[c.key].first.push(summary(firsts).median);
        per[c.key].total.push(summary(totals).median);
        log(`    ${c.key}: first byte p50 ${num(summary(firsts).median, 2)} ms, whole page ${num(summary(totals).median, 2)} ms`);
      }
      log(`  round ${r + 1}/${rounds} done`);
    }
    const ratio = (a, b) => summary(per[a].first.map((x, i) => x / per[b].first[i]));
    const results = Object.fromEntries(list.map((c) => [c.key, { first: summary(per[c.key].first), total: summary(per[c.key].total), raw: per[c.key] }]));
    const shellVsStatic = ratio('shell', 'static');
    const floorVsStatic = ratio('floor', 'static');
    const shellVsFloor = ratio('shell', 'floor');
    const alwaysVsStatic = ratio('always', 'static');
    const signedInVsStatic = ratio('signedIn', 'static');
    const clientVsStatic = ratio('client', 'static');
    const ratios = { shell: shellVsStatic, floor: floorVsStatic, always: alwaysVsStatic, signedIn: signedInVsStatic, client: clientVsStatic, static: summary([1]) };
    const rows = list.map((c) => [c.label, withSpread(results[c.key].first, 2), num(ratios[c.key].median, 2), withSpread(results[c.key].total, 2)]);
    return {
      name: 'page-shell',
      title: `Page with Cache Components: time to first byte, one request at a time, ${rounds} rounds × ${requests} requests`,
      table: table(['contender', 'first byte ms (median ±spread)', '× static', 'whole page ms'], rows),
      note:
        `Ratios per round, then their median. The README layout's shell costs ${withSpread(shellVsFloor, 2)}× Next's own partially prerendered page with an empty hole ` +
        `(${withSpread(floorVsStatic, 2)}× static): what a ◐ page costs by itself. Running proxy.ts for anonymous visitors too costs ${withSpread(alwaysVsStatic, 2)}× static. ` +
        `A layout whose SessionProvider gets no session keeps its pages fully static (${withSpread(clientVsStatic, 2)}× static), at the price of a loading state and one GET /api/auth/session after hydration.`,
      results: { ...results, shellVsStatic, floorVsStatic, shellVsFloor, alwaysVsStatic, signedInVsStatic, clientVsStatic },
      goals: [
        {
          name: 'static shell with Cache Components (README layout, anonymous) ≤ 1.2× a fully static page, time to first byte',
          value: shellVsStatic.median,
          target: 1.2,
          met: shellVsStatic.median <= 1.2,
        },
      ],
    };
  } finally {
    agent.destroy();
  }
}
