// Benchmark 1: reading the session from a request, µs per read, bffkit vs the anchors, same session.
//
// bffkit's figures are its full read: Cookie header parse + chunk check + unseal (AES-256-GCM) +
// decode + lifetime and revocation checks.
//   cold, cache bypassed   SessionCookie.read (what createBff uses) with its decrypted-cookie cache
//                          emptied after every read: the cost of a read itself. The goal figure.
//   cold, unique cookies   the public createBff(...).readSession over 2,000 distinct cookies (real
//                          logins), more than the cache's 1,000 entries: every read decrypts AND
//                          stores into the cache. At ~100k reads/s the cache's retained sessions are
//                          promoted and collected by the old-generation GC on the read's clock; at
//                          a real app's request rate that weighs far less per read. Shown for honesty.
//   warm                   one cookie again and again (cache hit, as when proxy.ts and the route
//                          handler of one request both read it).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { anchors } from './lib/anchors.mjs';
import { loadSessionCookie } from './lib/core-internals.mjs';
import { bffWithTokens, nowSeconds, realisticTokens, sessionOf } from './lib/fixtures.mjs';
import { num, ratio, rotated, summary, table, withSpread } from './lib/stats.mjs';

const COLD_COOKIES = 2000;
const BATCH = 20;
/** Alternating floor / bffkit-cold slices for the goal ratio (drift on a shared box cancels out). */
const PAIRS = 16;
const PAIR_MS = 200;

// A full GC before each measurement, so one contender's garbage is not collected on another's clock.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');

/** µs per call of `fn` over about `ms` milliseconds (sync functions are not awaited). */
async function measure(fn, ms) {
  const isAsync = fn() instanceof Promise;
  let ops = 0;
  const t0 = performance.now();
  let elapsed = 0;
  do {
    if (isAsync) for (let i = 0; i < BATCH; i++) await fn();
    else for (let i = 0; i < BATCH; i++) fn();
    ops += BATCH;
    elapsed = performance.now() - t0;
  } while (elapsed < ms);
  return (elapsed * 1000) / ops;
}

export async function run({ rounds = 5, ms = 400, log = () => {} } = {}) {
  const now = nowSeconds();
  const tokens = realisticTokens(now);
  const session = sessionOf(tokens, now);
  const a = await anchors();

  const { bff, login, options } = await bffWithTokens(() => ({ ...tokens }));
  const headers = [];
  for (let i = 0; i < COLD_COOKIES; i++) {
    headers.push((await login()).map((c) => c.split(';', 1)[0]).join('; '));
  }
  const warm = headers[0];
  const { SessionCookie, chooseSessionStrategy, SealedCache, resolveConfig } = await loadSessionCookie();
  // Bypass: this bundle's cache never finds anything (the package's own copy is untouched).
  SealedCache.prototype.get = () => undefined;
  const config = resolveConfig(options);
  const sc = new SessionCookie(config, chooseSessionStrategy(config));
  const bypassed = (header) =>
    sc.read(header, nowSeconds()).then((r) => {
      if (!r.session) anonymous++;
    });
  let next = 0;
  let anonymous = 0;
  const check = (s) => {
    if (s.status !== 'authenticated') anonymous++;
  };

  const sealed = {
    nodeGcm: a.nodeGcm.seal(session),
    webCrypto: await a.webCrypto.seal(session),
    jose: await a.jose.seal(session),
    authjs: await a.authjs.seal(session),
    iron: await a.iron.seal(session),
  };
  for (const [k, v] of Object.entries(sealed)) {
    const back = await a[k].open(v);
    if (back?.tokens?.accessToken !== tokens.accessToken) throw new Error(`${k} did not round-trip the session`);
  }

  const contenders = [
    { key: 'bffkit-bypass', label: 'bffkit read, cold: cache bypassed (the goal figure)', fn: () => bypassed(headers[next++ % COLD_COOKIES]) },
    { key: 'bffkit-cold', label: 'bffkit readSession, cold: 2,000 distinct cookies, cache churning', fn: () => bff.readSession(headers[next++ % COLD_COOKIES]).then(check) },
    { key: 'bffkit-warm', label: 'bffkit readSession, warm (same cookie, cache hit)', fn: () => bff.readSession(warm).then(check) },
    { key: 'node-gcm', label: 'node:crypto AES-256-GCM + JSON (floor)', fn: () => a.nodeGcm.open(sealed.nodeGcm) },
    { key: 'webcrypto', label: 'WebCrypto AES-GCM + JSON', fn: () => a.webCrypto.open(sealed.webCrypto) },
    { key: 'jose', label: 'jose compactDecrypt (dir/A256GCM, key imported once)', fn: () => a.jose.open(sealed.jose) },
    { key: 'authjs', label: '@auth/core jwt decode', fn: () => a.authjs.open(sealed.authjs) },
    { key: 'iron', label: 'iron-session unsealData', fn: () => a.iron.open(sealed.iron) },
  ];

  for (const c of contenders) await measure(c.fn, Math.min(ms, 200)); // warm-up (JIT)
  const per = Object.fromEntries(contenders.map((c) => [c.key, []]));
  for (let r = 0; r < rounds; r++) {
    for (const c of rotated(contenders, r)) {
      gc();
      per[c.key].push(await measure(c.fn, ms));
    }
    log(`  session read round ${r + 1}/${rounds}`);
  }
  // The goal ratio from alternating slices: the two halves of a pair run within half a second.
  const [cold, floorC] = [contenders[0], contenders.find((c) => c.key === 'node-gcm')];
  const pairRatios = [];
  for (let p = 0; p < (rounds > 1 ? PAIRS : 3); p++) {
    const order = p % 2 ? [cold, floorC] : [floorC, cold];
    const t = {};
    for (const c of order) {
      gc();
      t[c.key] = await measure(c.fn, rounds > 1 ? PAIR_MS : 20);
    }
    pairRatios.push(ratio(t[cold.key], t[floorC.key]));
  }
  if (anonymous > 0) throw new Error(`bffkit read ${anonymous} sessions as anonymous: the benchmark is broken`);

  const stats = Object.fromEntries(contenders.map((c) => [c.key, summary(per[c.key])]));
  const coldRatios = summary(pairRatios);
  const floor = stats['node-gcm'].median;
  const rows = contenders.map((c) => [c.label, withSpread(stats[c.key], 1), num(stats[c.key].median / floor, 2)]);
  const churn = stats['bffkit-cold'].median / floor;
  const goals = [
    { name: 'session read, cold (cache bypassed) ≤ 1.5× node:crypto floor', value: coldRatios.median, target: 1.5, met: coldRatios.median <= 1.5 },
    { name: 'session read, cold (unique cookies, cache churning) ≤ 1.5× floor', value: churn, target: 1.5, met: churn <= 1.5 },
  ];
  return {
    name: 'session-read',
    title: 'Session read (µs per read, lower is better)',
    table: table(['contender', 'µs/read (median ±spread)', '× floor'], rows),
    note: `Same session for everyone: ${tokens.accessToken.length}-char access token (JWT), ${tokens.refreshToken.length}-char refresh token, user {id,email,name}, timestamps (${JSON.stringify(session).length} bytes as JSON). bffkit cold (cache bypassed) ÷ floor over ${pairRatios.length} alternating pairs: ${withSpread(coldRatios, 2)} (the goal figure).`,
    results: { stats, coldRatio: coldRatios, sessionJsonBytes: JSON.stringify(session).length, accessTokenChars: tokens.accessToken.length },
    goals,
  };
}
