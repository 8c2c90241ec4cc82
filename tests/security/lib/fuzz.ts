/**
 * Request generator of the seeded fuzz run (tests/security/fuzz.test.ts). Request number i is a pure
 * function of (seed, i): the same seed gives the same requests in the same order, whatever the
 * concurrency, so one failing request can be replayed alone (FUZZ_SEED=… FUZZ_ONLY=i).
 * Cookies of the live sessions are symbolic (`{ pool: k }`): the runner fills in the current value.
 */

/** mulberry32: a tiny, fast, well-distributed 32-bit PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The PRNG of request `i` of run `seed`. */
export function requestRng(seed: number, i: number): () => number {
  let h = (seed ^ Math.imul(i + 1, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return prng(h ^ (h >>> 16));
}

/** What the generator knows about the running app (scraped once before the run). */
export interface FuzzContext {
  /** The app's origin, e.g. `http://localhost:4123`. */
  origin: string;
  /** How many live sessions the runner keeps (symbolic cookies `{ pool: k }`). */
  poolSize: number;
  /** Real `/_next/static/…` paths from the home page. */
  staticPaths: string[];
  /** Real Server Action ids from the sessions page (`$ACTION_ID_<id>`). */
  actionIds: string[];
}

/** One generated request. `cookie` is a literal header, a pool reference, or absent. */
export interface FuzzRequest {
  i: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  cookie?: string | { pool: number; extra?: string };
  body?: Buffer;
  /** Short labels of the choices made, for grouping answers into classes. */
  tags: { method: string; path: string; cookie: string; origin: string; type: string; body: string; next: string };
}

type Rng = () => number;
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
const chance = (rng: Rng, p: number) => rng() < p;
/** Picks by weight from [weight, value] pairs. */
function weighted<T>(rng: Rng, pairs: readonly (readonly [number, T])[]): T {
  const total = pairs.reduce((n, [w]) => n + w, 0);
  let x = rng() * total;
  for (const [w, v] of pairs) if ((x -= w) < 0) return v;
  return pairs.at(-1)![1];
}
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const randomText = (rng: Rng, n: number, alphabet = B64) => Array.from({ length: n }, () => alphabet[Math.floor(rng() * alphabet.length)]).join('');
const randomBytes = (rng: Rng, n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(rng() * 256)));
/** 0 … max with most values small (log-uniform). */
const size = (rng: Rng, max: number) => Math.min(max, Math.floor(Math.exp(rng() * Math.log(max + 1))) - 1 + (chance(rng, 0.02) ? max : 0));

const PAGES = ['/', '/login', '/profile', '/notes', '/sessions', '/handoff', '/does-not-exist', '/login/x', '/404', '/_error', '/500', '/_not-found'];
const AUTH = [
  '/api/auth/login', '/api/auth/logout', '/api/auth/session', '/api/auth/refresh', '/api/auth/sessions', '/api/auth/oidc/login',
  '/api/auth/oidc/callback', '/api/auth/oidc/backchannel-logout', '/api/auth/handoff', '/api/auth/x', '/api/auth', '/api/auth/',
];
const BACKEND = [
  '/api/backend/notes', '/api/backend/notes/1', '/api/backend/notes/999999', '/api/backend/auth/me', '/api/backend/admin',
  '/api/backend', '/api/backend/', '/api/files/notes/export/stream', '/api/files/notes/import/stream', '/api/files/x',
];
const NEXT = ['/_next/static/x.js', '/_next/image?url=%2Ffavicon.ico&w=64&q=75', '/_next/image?url=http%3A%2F%2Fevil.example%2Fx&w=1&q=1', '/_next/image', '/_next/data/x/y.json', '/_next/', '/_next/webpack-hmr', '/favicon.ico', '/__nextjs_original-stack-frame', '/_next/static/chunks/..%2F..%2Fpackage.json'];
const SEGMENTS = ['/x', '/..', '/.', '/%2e%2e', '/%2E%2E/%2e%2e', '/%2F', '/%2f..', '/%00', '/%zz', '/%', '/%C0%AE%C0%AE', '/%252e%252e', '/;x', '//', '/%5c..', '/\\..', '/%E2%80%AE', '/%F0%9F%92%A9', '/~', '/*', '/%20', '/+', "/'", '/"', '/<script>', '/{x}', '/|'];
const QUERIES = ['?a=1', '?returnTo=%2F%2Fevil.example', '?returnTo=https://evil.example', '?returnTo=/profile', '?_rsc=1', '?__nextDataReq=1', '?x=%zz', '?x=%00', '?&&==', '?a[]=1&a[]=2', '?__proto__[x]=1', '?code=x&state=y', '?error=access_denied'];
const ODD_METHODS = ['TRACE', 'PROPFIND', 'MKCOL', 'FOO', 'get', 'M-SEARCH', 'PURGE', 'LINK', 'QUERY', 'SEARCH', 'LOCK'];

function generatePath(rng: Rng, ctx: FuzzContext): { path: string; tag: string } {
  const kind = weighted(rng, [[30, 'page'], [30, 'auth'], [25, 'backend'], [15, 'next']] as const);
  let path =
    kind === 'page' ? pick(rng, PAGES)
    : kind === 'auth' ? pick(rng, AUTH)
    : kind === 'backend' ? pick(rng, BACKEND)
    : ctx.staticPaths.length && chance(rng, 0.4) ? pick(rng, ctx.staticPaths)
    : pick(rng, NEXT);
  let tag = kind;
  if (chance(rng, 0.3)) {
    const n = 1 + Math.floor(rng() * 3);
    for (let k = 0; k < n; k++) path = path.replace(/\?.*$/, '') + pick(rng, SEGMENTS);
    tag += '+odd';
  }
  if (chance(rng, 0.05)) {
    path += `/${'a'.repeat(500 + Math.floor(rng() * 6000))}`;
    tag += '+long';
  }
  if (chance(rng, 0.05)) path = path.toUpperCase();
  if (chance(rng, 0.03)) path = `/${path}`;
  if (chance(rng, 0.25)) path += pick(rng, QUERIES);
  // Raw non-ASCII cannot go on the wire through node:http; percent-encode what it would refuse.
  return { path: path.replace(/[^\x21-\x7e]/g, (c) => encodeURIComponent(c)), tag };
}

function generateCookie(rng: Rng, ctx: FuzzContext): { cookie?: FuzzRequest['cookie']; tag: string } {
  const pool = Math.floor(rng() * ctx.poolSize);
  return weighted(rng, [
    [25, () => ({ tag: 'none' })],
    [32, () => ({ cookie: { pool }, tag: 'valid' })],
    [5, () => ({ cookie: { pool, extra: pick(rng, ['other=1', 'bffkit.0=x', 'bffkit=', '__Host-bffkit=x', 'BFFKIT=x', 'bffkit.1=' + randomText(rng, 40)]) }, tag: 'valid+extra' })],
    [12, () => ({ cookie: `bffkit=${randomText(rng, size(rng, 4000))}`, tag: 'garbage' })],
    [6, () => ({ cookie: `bffkit.0=${randomText(rng, 3000)}; bffkit.1=${randomText(rng, size(rng, 3000))}`, tag: 'chunks' })],
    [5, () => ({ cookie: `bffkit=${randomText(rng, 60)}; bffkit=${randomText(rng, 60)}`, tag: 'duplicate' })],
    [5, () => ({ cookie: pick(rng, [';;;', '=', 'bffkit', '=bffkit', 'bffkit==', '\t', 'a=b;;bffkit=%zz', 'bffkit="x"', `x=${'y'.repeat(7000)}`]), tag: 'malformed' })],
    [10, () => ({ cookie: { pool, extra: 'tamper' }, tag: 'tampered' })],
  ] as const)();
}

const EVIL = 'http://evil.example';

function generateOrigin(rng: Rng, ctx: FuzzContext): { origin?: string; tag: string } {
  return weighted(rng, [
    [30, () => ({ tag: 'none' })],
    [35, () => ({ origin: ctx.origin, tag: 'same' })],
    [10, () => ({ origin: EVIL, tag: 'evil' })],
    [5, () => ({ origin: 'null', tag: 'null' })],
    [10, () => ({ origin: pick(rng, ['garbage', 'http://', 'http://[::1', ' ', '://x', 'http://a b', 'javascript:x', '*', 'http://localhost:99999']), tag: 'malformed' })],
    [10, () => ({ origin: pick(rng, [ctx.origin.replace('http:', 'https:'), ctx.origin.replace(/:\d+$/, ':1'), ctx.origin.replace('localhost', '127.0.0.1'), `${ctx.origin}/`, ctx.origin.toUpperCase()]), tag: 'near' })],
  ] as const)();
}

interface Body {
  body?: Buffer;
  type?: string;
  typeTag: string;
  bodyTag: string;
}

function multipart(rng: Rng, ctx: FuzzContext, boundary: string): Buffer {
  const fields: [string, string][] = [];
  const n = Math.floor(rng() * 4);
  for (let k = 0; k < n; k++) {
    const name = weighted(rng, [
      [3, () => randomText(rng, 8)],
      [2, () => `$ACTION_ID_${ctx.actionIds.length && chance(rng, 0.5) ? pick(rng, ctx.actionIds) : randomText(rng, 42, '0123456789abcdef')}`],
      [1, () => `$ACTION_REF_${k}`],
      [1, () => `$ACTION_${k}:0`],
      [1, () => 'id'],
      [1, () => `1_$ACTION_ID_${randomText(rng, 40, '0123456789abcdef')}`],
    ] as const)();
    fields.push([name, chance(rng, 0.5) ? randomText(rng, size(rng, 2000)) : '{"id":"x","bound":null}']);
  }
  const parts = fields.map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
  return Buffer.from(`${parts.join('')}--${boundary}--\r\n`);
}

function generateBody(rng: Rng, ctx: FuzzContext, method: string): Body {
  if (chance(rng, method === 'GET' || method === 'HEAD' ? 0.85 : 0.2)) {
    return chance(rng, 0.15) ? { type: pick(rng, ['application/json', 'multipart/form-data']), typeTag: 'type-only', bodyTag: 'none' } : { typeTag: 'none', bodyTag: 'none' };
  }
  const boundary = `----fuzz${randomText(rng, 12)}`;
  return weighted(rng, [
    [14, () => ({ body: Buffer.from(JSON.stringify(pick(rng, [
      { email: `${randomText(rng, 6)}@example.com`, password: randomText(rng, 10) },
      // Never the accounts of the fuzzer's live sessions: their failures would lock them (429).
      { email: 'victim@example.com', password: randomText(rng, 12), returnTo: pick(rng, ['//evil.example', '/profile', 'https://evil.example']) },
      { refresh_token: randomText(rng, 43) },
      { title: randomText(rng, 20), body: randomText(rng, size(rng, 5000)) },
      { __proto__: { admin: true } }, [], 'x', null, 1e309, { email: ['a'], password: { $ne: 1 } },
    ]))), type: pick(rng, ['application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/json;charset=utf-16le']), typeTag: 'json', bodyTag: 'json' })],
    [8, () => ({ body: Buffer.from(pick(rng, ['{', '{"a":', '[1,2', 'null', '"', '{"email":"\\ud800"}', '\u0000', '{}'.repeat(1000)])), type: 'application/json', typeTag: 'json', bodyTag: 'bad-json' })],
    [14, () => ({ body: randomBytes(rng, size(rng, 100_000)), type: pick(rng, ['application/octet-stream', 'text/plain', 'application/json', 'text/x-component', 'application/x-www-form-urlencoded', ';;;', 'x/y; a=b']), typeTag: 'misc', bodyTag: 'random' })],
    [8, () => ({ body: Buffer.from(new URLSearchParams({ email: 'x@example.com', password: randomText(rng, 8), [randomText(rng, 5)]: randomText(rng, size(rng, 500)) }).toString()), type: 'application/x-www-form-urlencoded', typeTag: 'urlencoded', bodyTag: 'form' })],
    [8, () => ({ body: multipart(rng, ctx, boundary), type: `multipart/form-data; boundary=${boundary}`, typeTag: 'multipart', bodyTag: 'multipart' })],
    [5, () => ({ body: randomBytes(rng, size(rng, 100_000)), type: `multipart/form-data; boundary=${boundary}`, typeTag: 'multipart', bodyTag: 'random' })],
    [5, () => ({ body: multipart(rng, ctx, boundary), type: pick(rng, ['multipart/form-data', 'multipart/form-data; boundary=', 'multipart/form-data; boundary=other', 'multipart/form-data;boundary="x"', 'multipart/mixed; boundary=x']), typeTag: 'multipart-bad', bodyTag: 'multipart' })],
    [3, () => ({ body: Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="a"\r\n\r\nunterminated`), type: `multipart/form-data; boundary=${boundary}`, typeTag: 'multipart', bodyTag: 'truncated' })],
    [3, () => ({ body: Buffer.alloc(0), type: pick(rng, ['application/json', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded']), typeTag: 'empty', bodyTag: 'empty' })],
  ] as const)();
}

/**
 * Request `i` of run `seed`.
 *
 * @example
 * const r = generateRequest(42, 0, ctx);
 */
export function generateRequest(seed: number, i: number, ctx: FuzzContext): FuzzRequest {
  const rng = requestRng(seed, i);
  const method = weighted(rng, [[26, 'GET'], [34, 'POST'], [5, 'HEAD'], [5, 'PUT'], [5, 'PATCH'], [6, 'DELETE'], [4, 'OPTIONS'], [15, 'ODD']] as const);
  const realMethod = method === 'ODD' ? pick(rng, ODD_METHODS) : method;
  const { path, tag: pathTag } = generatePath(rng, ctx);
  const { cookie, tag: cookieTag } = generateCookie(rng, ctx);
  const { origin, tag: originTag } = generateOrigin(rng, ctx);
  const body = generateBody(rng, ctx, realMethod);
  const headers: Record<string, string> = {};
  if (origin !== undefined) headers.origin = origin;
  if (chance(rng, 0.6)) headers['x-csrf'] = chance(rng, 0.85) ? '1' : pick(rng, ['0', 'true', '', 'x'.repeat(300)]);
  if (chance(rng, 0.35)) headers['sec-fetch-site'] = pick(rng, ['same-origin', 'same-origin', 'cross-site', 'same-site', 'none', 'garbage']);
  if (chance(rng, 0.1)) headers['sec-fetch-mode'] = pick(rng, ['navigate', 'cors', 'no-cors', 'same-origin']);
  if (body.type !== undefined) headers['content-type'] = body.type;
  headers.accept = pick(rng, ['application/json', 'text/html', '*/*', 'text/x-component', 'image/webp', '']);
  const next: string[] = [];
  if (chance(rng, 0.08)) {
    headers['next-action'] = ctx.actionIds.length && chance(rng, 0.5) ? pick(rng, ctx.actionIds) : pick(rng, [randomText(rng, 42, '0123456789abcdef'), '', '"', 'x', randomText(rng, 300)]);
    next.push('action');
  }
  if (chance(rng, 0.1)) (headers.rsc = '1'), next.push('rsc');
  if (chance(rng, 0.05)) {
    headers['next-router-state-tree'] = pick(rng, ['garbage', '%5B%22%22%5D', encodeURIComponent('["",{"children":["__PAGE__",{}]},null,null,true]'), '%zz', encodeURIComponent('[' .repeat(500))]);
    next.push('tree');
  }
  if (chance(rng, 0.05)) (headers['next-router-prefetch'] = '1'), next.push('prefetch');
  if (chance(rng, 0.03)) (headers['next-url'] = pick(rng, ['/profile', '//evil', '%zz'])), next.push('next-url');
  if (chance(rng, 0.03)) (headers['x-middleware-subrequest'] = pick(rng, ['middleware', 'proxy:proxy:proxy:proxy:proxy', 'src/middleware'])), next.push('subrequest');
  if (chance(rng, 0.05)) (headers['x-forwarded-host'] = pick(rng, ['evil.example', 'localhost', ''])), next.push('xfh');
  if (chance(rng, 0.04)) (headers['x-forwarded-for'] = pick(rng, ['1.2.3.4', 'garbage', '::1, 10.0.0.1', ''])), next.push('xff');
  if (chance(rng, 0.03)) (headers.host = pick(rng, ['evil.example', 'localhost:1', '[::1]', 'a'.repeat(300)])), next.push('host');
  if (chance(rng, 0.02)) (headers.range = 'bytes=0-10'), next.push('range');
  return {
    i,
    method: realMethod,
    path,
    headers,
    ...(cookie !== undefined ? { cookie } : {}),
    ...(body.body !== undefined ? { body: body.body } : {}),
    tags: { method, path: pathTag, cookie: cookieTag, origin: originTag, type: body.typeTag, body: body.bodyTag, next: next.join('+') || '-' },
  };
}
