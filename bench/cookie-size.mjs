// Benchmark 2: cookie bytes for the same session (deterministic, one round).
// bffkit's cookie comes from a real login through the public API (handleAuth) with an in-process
// backend adapter handing out exactly these tokens; the anchors seal JSON.stringify(session).
import { anchors } from './lib/anchors.mjs';
import { bffWithTokens, largeTokens, nowSeconds, realisticTokens, sessionOf } from './lib/fixtures.mjs';
import { num, table } from './lib/stats.mjs';

/** Set-Cookie lines → { values: total value bytes, header: bytes of the Cookie header, cookies: count }. */
function measureSetCookies(setCookies) {
  const pairs = setCookies.map((c) => c.split(';', 1)[0]).filter((p) => !p.endsWith('='));
  return {
    value: pairs.reduce((n, p) => n + p.length - p.indexOf('=') - 1, 0),
    header: pairs.join('; ').length,
    cookies: pairs.length,
  };
}

/** An anchor's cookie value (one value; over ~4 KB the app or library has to chunk it). */
const single = (name, value) => ({ value: value.length, header: name.length + 1 + value.length, cookies: 1 });

export async function run() {
  const now = nowSeconds();
  const a = await anchors();
  const sets = [
    { key: 'realistic', label: 'realistic session', tokens: realisticTokens(now) },
    { key: 'large', label: 'large OIDC token set', tokens: largeTokens(now) },
  ];
  const rows = [];
  const results = {};
  for (const set of sets) {
    const session = sessionOf(set.tokens, now);
    const { login } = await bffWithTokens(() => ({ ...set.tokens }));
    const bff = measureSetCookies(await login());
    const sizes = {
      bffkit: bff,
      jose: single('session', await a.jose.seal(session)),
      iron: single('iron-session', await a.iron.seal(session)),
      authjs: single('__Secure-authjs.session-token', await a.authjs.seal(session)),
    };
    results[set.key] = { sessionJsonBytes: JSON.stringify(session).length, tokens: tokenLengths(set.tokens), sizes };
    const vs = (k) => num(sizes[k].value / sizes.jose.value, 2);
    rows.push([
      `${set.label} (${num(JSON.stringify(session).length)} B JSON)`,
      `${num(bff.value)} (${bff.cookies} cookie${bff.cookies > 1 ? 's' : ''}) — ${vs('bffkit')}×`,
      num(sizes.jose.value),
      `${num(sizes.iron.value)} — ${vs('iron')}×`,
      `${num(sizes.authjs.value)} — ${vs('authjs')}×`,
    ]);
  }
  const r = results.realistic.sizes.bffkit.value / results.realistic.sizes.jose.value;
  const goals = [{ name: 'cookie ≤ 0.75× jose (realistic session)', value: r, target: 0.75, met: r <= 0.75 }];
  return {
    name: 'cookie-size',
    title: 'Cookie bytes (value bytes; × jose)',
    table: table(['session', 'bffkit', 'jose JWE', 'iron-session', 'Auth.js'], rows),
    note:
      `Large set: id token ${results.large.tokens.idToken} + access ${results.large.tokens.accessToken} + refresh ${results.large.tokens.refreshToken} chars. ` +
      `Browsers keep ~4,096 bytes per cookie; bffkit chunks values over 3,800 (the others need app-side chunking). ` +
      `bffkit's Cookie header for the realistic session: ${num(results.realistic.sizes.bffkit.header)} bytes.`,
    results,
    goals,
  };
}

function tokenLengths(t) {
  return { accessToken: t.accessToken.length, refreshToken: t.refreshToken?.length ?? 0, idToken: t.idToken?.length ?? 0 };
}
