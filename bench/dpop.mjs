// Benchmark 7: DPoP (RFC 9449) on forwarded calls. Two real stacks, each its own processes: the
// example provider in its FAPI 2.0 profile (DPoP-bound tokens) with the example backend verifying
// proofs, and the same provider in its default profile (Bearer tokens) with its backend. bffkit's core
// runs in this process (the built library), signed in over HTTP. Measured in the same run:
//   proof     the cost of the DPoP proof bffkit adds per call (oauth4webapi's proof + Authorization,
//             exactly what bffkit's credential step does), against building a Bearer header
//   forward   forwarded GET /notes through bff.forward(), DPoP vs Bearer, alternating rounds: req/s
//             and this process's CPU µs per request (bffkit + its HTTP client; the backends' proof
//             checks are in their own processes and show only in req/s)
import { exportJWK, generateKeyPair } from 'jose';
import * as oauth from 'oauth4webapi';
import { createBff, oidcBackend } from 'bffkit';
import { join } from 'node:path';
import { BACKEND_ENTRY, DEMO, ROOT, freePort, startProcess } from './lib/procs.mjs';
import { num, summary, table, withSpread } from './lib/stats.mjs';

const CLIENT = { id: 'bffkit-example', secret: 'bench-client-secret-for-bffkit-dpop' };
const API = 'urn:bffkit:example-api';
const SECRET = 'YmVuY2gtc2VjcmV0LWZvci1iZmZraXQtZHBvcC1iZW5jaA';

async function provider(appUrl, fapi, clientJwk) {
  const port = await freePort();
  const issuer = `http://localhost:${port}`;
  const proc = await startProcess(`idp-${fapi ? 'fapi' : 'default'}`, process.execPath, [join(ROOT, 'examples/oidc-provider/server.mjs')], {
    cwd: ROOT,
    env: {
      OIDC_PORT: String(port), OIDC_ISSUER: issuer, OIDC_APP_URL: appUrl, OIDC_CLIENT_ID: CLIENT.id, OIDC_CLIENT_SECRET: CLIENT.secret,
      OIDC_API_RESOURCE: API, OIDC_ACCESS_TOKEN_TTL: '3600',
      ...(fapi ? { OIDC_PROFILE: 'fapi2', OIDC_CLIENT_JWKS: JSON.stringify({ keys: [clientJwk] }) } : {}),
    },
    ready: (out) => out.includes('listening on'),
  });
  return { ...proc, issuer };
}

async function resourceServer(issuer) {
  const port = await freePort();
  const proc = await startProcess('backend', process.execPath, [BACKEND_ENTRY], {
    cwd: ROOT,
    env: { BACKEND_PORT: String(port), OIDC_ISSUER: issuer, OIDC_JWKS_URL: `${issuer}/jwks`, OIDC_AUDIENCE: API },
    ready: (out) => out.includes('listening on'),
  });
  return { ...proc, url: `http://127.0.0.1:${port}` };
}

/** Cookies by name from Set-Cookie lines. */
function keep(jar, response) {
  for (const line of response.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const i = pair.indexOf('=');
    const name = pair.slice(0, i);
    if (/max-age=0/i.test(line)) jar.delete(name);
    else jar.set(name, pair.slice(i + 1));
  }
}
const header = (jar) => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');

/** Signs in through the provider's pages over HTTP; the app side is the in-process core. */
async function signIn(bff, appUrl) {
  const app = new Map();
  const idp = new Map();
  let res = await bff.handleAuth(new Request(`${appUrl}/api/auth/oidc/login`));
  keep(app, res);
  let url = new URL(res.headers.get('location'));
  let init = {};
  for (let hop = 0; hop < 20; hop++) {
    if (url.origin === appUrl) {
      res = await bff.handleAuth(new Request(url, { headers: { cookie: header(app) } }));
      keep(app, res);
      if (res.status !== 303) throw new Error(`callback answered ${res.status}`);
      return header(app);
    }
    res = await fetch(url, { ...init, headers: { ...init.headers, cookie: header(idp) }, redirect: 'manual' });
    keep(idp, res);
    const location = res.headers.get('location');
    if (location) {
      url = new URL(location, url);
      init = {};
      continue;
    }
    const form = /<form method="post" action="(\/interaction\/[^"]+\/login)"/.exec(await res.text());
    if (!form) throw new Error(`no login form at ${url}`);
    url = new URL(form[1], url);
    init = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: url.origin }, body: new URLSearchParams(DEMO).toString() };
  }
  throw new Error('sign-in did not finish');
}

/** `connections` concurrent loops of forwarded GETs for `seconds`: req/s and CPU µs per request. */
async function load(bff, appUrl, cookie, { seconds, connections }) {
  const until = performance.now() + seconds * 1000;
  let done = 0;
  let failed = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < until) {
        const res = await bff.forward(new Request(`${appUrl}/api/backend/notes`, { headers: { cookie } }), 'api');
        await res.arrayBuffer();
        if (res.status === 200) done++;
        else failed++;
      }
    }),
  );
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { rps: (done / ms) * 1000, cpuUs: (cpu.user + cpu.system) / Math.max(1, done + failed), failed };
}

/** µs per operation of `fn`, over `n` runs after a warm-up. */
async function perOp(fn, n) {
  for (let i = 0; i < 200; i++) await fn();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn();
  return ((performance.now() - t0) * 1000) / n;
}

export async function run({ rounds = 3, seconds = 5, connections = 8, log = () => {} } = {}) {
  const stops = [];
  try {
    const appUrl = `http://localhost:${await freePort()}`;
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const kid = 'bench-client-key';
    const clientPublic = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
    const clientPrivate = { ...(await exportJWK(privateKey)), kid, alg: 'ES256' };
    const fapiIdp = await provider(appUrl, true, clientPublic);
    stops.push(() => fapiIdp.stop());
    const plainIdp = await provider(appUrl, false);
    stops.push(() => plainIdp.stop());
    const fapiApi = await resourceServer(fapiIdp.issuer);
    stops.push(() => fapiApi.stop());
    const plainApi = await resourceServer(plainIdp.issuer);
    stops.push(() => plainApi.stop());
    const core = (backend, api) =>
      createBff({
        secret: SECRET,
        baseUrl: appUrl,
        backend,
        upstreams: { api: { url: api.url, mount: '/api/backend', allow: [{ path: '/notes', methods: ['GET'] }] } },
        logger: { info() {}, warn() {}, error() {} },
      });
    const dpopBff = core(oidcBackend({ issuer: fapiIdp.issuer, clientId: CLIENT.id, profile: 'fapi2', clientKeys: clientPrivate }), fapiApi);
    const bearerBff = core(oidcBackend({ issuer: plainIdp.issuer, clientId: CLIENT.id, clientSecret: CLIENT.secret }), plainApi);
    const dpopCookie = await signIn(dpopBff, appUrl);
    const bearerCookie = await signIn(bearerBff, appUrl);
    log('dpop: signed in to both stacks');

    // The proof alone: what bffkit's credential step adds for a DPoP-bound token, against a Bearer header.
    const keys = await oauth.generateKeyPair('ES256', { extractable: true });
    const handle = oauth.DPoP({}, keys);
    const token = 'x'.repeat(700);
    const target = new URL('http://127.0.0.1:9/notes');
    const noop = async () => new Response(null, { status: 204 });
    const proofs = [];
    const bearers = [];
    for (let r = 0; r < rounds; r++) {
      proofs.push(await perOp(() => oauth.protectedResourceRequest(token, 'GET', target, new Headers({ accept: 'application/json' }), null, { DPoP: handle, [oauth.customFetch]: noop, [oauth.allowInsecureRequests]: true }), 2000));
      bearers.push(await perOp(async () => ({ accept: 'application/json', authorization: `Bearer ${token}` }), 2000));
    }

    const dpop = [];
    const bearer = [];
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 ? [['bearer', bearerBff, bearerCookie], ['dpop', dpopBff, dpopCookie]] : [['dpop', dpopBff, dpopCookie], ['bearer', bearerBff, bearerCookie]];
      for (const [name, bff, cookie] of order) {
        await load(bff, appUrl, cookie, { seconds: 1, connections }); // warm-up
        const m = await load(bff, appUrl, cookie, { seconds, connections });
        (name === 'dpop' ? dpop : bearer).push(m);
        log(`dpop: round ${r + 1} ${name} ${num(m.rps)} req/s, ${num(m.cpuUs)} µs CPU/req`);
      }
    }
    const s = (xs, k) => summary(xs.map((x) => x[k]));
    const proof = summary(proofs);
    const base = summary(bearers);
    const failed = [...dpop, ...bearer].reduce((n, m) => n + m.failed, 0);
    const ratio = summary(dpop.map((m, i) => m.rps / bearer[i].rps));
    return {
      name: 'dpop',
      title: `DPoP on forwarded calls: GET /notes through bff.forward() (in-process core, real provider and backend processes), ${connections} loops, ${rounds} rounds × ${seconds} s`,
      table: table(
        ['', 'req/s', 'CPU µs/req (this process)'],
        [
          ['DPoP-bound token (FAPI 2.0 profile)', withSpread(s(dpop, 'rps')), withSpread(s(dpop, 'cpuUs'))],
          ['Bearer token (default profile)', withSpread(s(bearer, 'rps')), withSpread(s(bearer, 'cpuUs'))],
        ],
      ),
      note:
        `DPoP proof per forwarded request: ${withSpread(proof, 1)} µs (oauth4webapi ES256 proof with ath, plus the Authorization header), ` +
        `against ${withSpread(base, 2)} µs for a Bearer header. DPoP ÷ Bearer req/s per round: ${withSpread(ratio, 2)} ` +
        `(the DPoP backend also verifies each proof: signature, jti replay cache, ath).`,
      results: { proofUs: proof, bearerHeaderUs: base, dpop, bearer, ratio },
      goals: [{ name: 'dpop: no errors / non-2xx', value: failed, target: 0, met: failed === 0 }],
    };
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}
