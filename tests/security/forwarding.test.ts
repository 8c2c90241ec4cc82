/**
 * docs/security.md 18-23 over HTTP: the forwarding route as an SSRF and header-smuggling target, a hostile
 * backend (through an interposer that injects headers, redirects, hangs or drops), odd methods and
 * body limits, anonymous API calls, and spoofed Next.js internal headers (CVE-2025-29927).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reply } from './lib/client';
import { startInterposer, type Interposer } from './lib/interposer';
import { DEMO, clearedNames, openSession, setCookieValue } from './lib/session';
import { expectHealthy, login, sessionStatus, startTarget, type AppUnderTest, type Target } from './lib/stack';
import { item, items } from './items';

let t: Target;
let decoy: Interposer;
let cookie: string;
let accessToken: string;
/** Next.js logs its TRACE TypeError before the example's pages/_error.tsx answers 405 (see the README's Security section). */
const TRACE_LOG = [/'TRACE' HTTP method is unsupported/];

beforeAll(async () => {
  t = await startTarget({ interpose: true });
  decoy = await startInterposer();
  const { cookie: c, reply } = await login(t.client);
  cookie = c;
  accessToken = openSession(setCookieValue(reply)!)!.tokens.accessToken;
});

afterAll(async () => {
  await decoy?.close();
  await t?.stop();
});

/** Calls `fn` and answers what the backend saw meanwhile. */
async function backendSaw<T>(fn: () => Promise<T>): Promise<{ result: T; seen: Interposer['seen'] }> {
  const before = t.interposer!.seen.length;
  const result = await fn();
  return { result, seen: t.interposer!.seen.slice(before) };
}

function expectJsonError(r: Reply, status: number | number[], what: string): string {
  expect(([] as number[]).concat(status), `${what}: ${r.status} ${r.body.slice(0, 200)}`).toContain(r.status);
  expect(r.headers['content-type'], what).toMatch(/^application\/json/);
  const body = r.json<{ code: string; message: string }>();
  expect(Object.keys(body).sort(), what).toEqual(['code', 'message']);
  return body.code;
}

describe(item(18), () => {
  it('traversal in any encoding is refused (400 or 404) with no backend call', async () => {
    const paths = [
      '/api/backend/notes/..%2f..%2f__stats',
      '/api/backend/notes/%2e%2e/%2e%2e/__stats',
      '/api/backend/notes/%2E%2E%2F__stats',
      '/api/backend/notes/..%5c..%5c__stats',
      '/api/backend/notes/%252e%252e%252f__stats',
      '/api/backend/notes/%25252e%25252e/__stats',
      '/api/backend/notes/..;/__stats',
      '/api/backend/notes/.%2e/__stats',
      '/api/backend/notes/%2e./__stats',
      '/api/backend/notes/%ef%bc%8e%ef%bc%8e/__stats',
      '/api/backend/notes/%e2%80%a5/__stats',
      '/api/backend/notes/..%00/__stats',
      '/api/backend/notes/%00',
      '/api/backend/notes/../__stats',
      '/api/backend/notes/../../api/__stats',
      '/api/backend/auth/me/..%2f..%2fnotes',
      '/api/backend/notes\\..\\__stats',
    ];
    for (const path of paths) {
      const { result, seen } = await backendSaw(() => t.client.get(path, cookie));
      // bffkit answers 400/404 JSON; a path Next.js itself normalises off the route gets Next's 404 page.
      if (/^application\/json/.test(String(result.headers['content-type']))) expectJsonError(result, [400, 404], path);
      else if (result.status === 308) expect(result.headers.location, `${path}: Next.js turned '\\' into '/'`).toMatch(/^\/(?![/\\])[^\\]*$/);
      else expect(result.status, path).toBe(404);
      expect(seen, path).toEqual([]);
    }
  });

  it('malformed percent-encoding never reaches the backend and answers 4xx, never 500 (Next.js decodes first; the example\'s pages/_error.tsx answers 400)', async () => {
    for (const path of ['/api/backend/notes/%ff', '/api/backend/notes/%c0%ae%c0%ae/__stats', '/api/backend/%E0%A4%A', '/api/auth/%ff', '/profile/%ff', '/notes/%c0', '/%ff']) {
      for (const c of [undefined, cookie]) {
        const { result, seen } = await backendSaw(() => t.client.get(path, c));
        expect(seen, path).toEqual([]);
        if (path.startsWith('/api/')) {
          expect([400, 404], `${path}: ${result.status}`).toContain(result.status);
        } else {
          expect([307, 400, 404], `${path}: ${result.status}`).toContain(result.status);
          if (!c) expect(result.body).not.toContain(DEMO.email);
        }
      }
    }
  });

  it('only the configured paths and methods are reachable', async () => {
    const cases: [string, string, number][] = [
      ['GET', '/api/backend/__stats', 404],
      ['POST', '/api/backend/__stats/reset', 404],
      ['POST', '/api/backend/auth/login', 404],
      ['POST', '/api/backend/auth/refresh', 404],
      ['POST', '/api/backend/auth/logout', 404],
      ['GET', '/api/backend/.well-known/jwks.json', 404],
      ['GET', '/api/backend/notesX', 404],
      ['GET', '/api/backend/note', 404],
      ['GET', '/api/backend', 404],
      ['DELETE', '/api/backend/auth/me', 405],
      ['POST', '/api/backend/auth/me', 405],
      ['PUT', '/api/backend/notes', 405],
    ];
    for (const [method, path, status] of cases) {
      const { result, seen } = await backendSaw(() => t.client.json(path, {}, { method, cookie }));
      if (path === '/api/backend') expect(result.status, 'no route for the bare mount').toBe(404);
      else expectJsonError(result, status, `${method} ${path}`);
      if (status === 405) expect(result.headers.allow, path).toBeTruthy();
      expect(seen, `${method} ${path}`).toEqual([]);
    }
  });

  it('an absolute URL, //host, @host or a Host header in the request can never change the upstream host', async () => {
    const d = new URL(decoy.url).host;
    const targets = [
      `/api/backend/http://${d}/notes`,
      `/api/backend/http:%2f%2f${d}/notes`,
      `/api/backend//${d}/notes`,
      `/api/backend/%2f%2f${d}/notes`,
      `/api/backend/@${d}/notes`,
      `/api/backend/notes@${d}`,
      `/api/backend/notes/@${d}`,
      `/api/backend/notes?@${d}`,
      `/api/backend/notes?url=http://${d}/`,
      `/api/backend/notes#@${d}`,
      `/api/backend/notes/..%2f..%2f%2f${d}`,
      `/api/backend/notes%40${d}`,
      `/api/backend/\\\\${d}/notes`,
      `http://${d}/api/backend/notes`,
    ];
    for (const path of targets) {
      for (const headers of [{}, { host: d }, { 'x-forwarded-host': d }]) {
        const r = await t.client.get(path, cookie, { headers });
        expect(r.status, path).not.toBe(500);
      }
    }
    expect(decoy.seen, 'the decoy host was never contacted').toEqual([]);
    const foreign = t.interposer!.seen.filter((s) => !s.path.startsWith('/notes') && !s.path.startsWith('/auth/'));
    expect(foreign, 'the backend only ever saw allowed paths').toEqual([]);
  });
});

describe(item(19), () => {
  const hostile = {
    cookie: '',
    authorization: 'Bearer attacker-chosen-token',
    'proxy-authorization': 'Basic YTpi',
    'x-forwarded-for': '6.6.6.6',
    'x-forwarded-host': 'evil.example',
    'x-forwarded-proto': 'gopher',
    'x-forwarded-port': '6666',
    forwarded: 'for=6.6.6.6;host=evil.example',
    'x-real-ip': '6.6.6.6',
    'x-client-ip': '6.6.6.6',
    'true-client-ip': '6.6.6.6',
    'cf-connecting-ip': '6.6.6.6',
    connection: 'keep-alive, x-hop-secret',
    'x-hop-secret': 'must-not-pass',
    te: 'trailers',
    upgrade: 'h2c',
    'keep-alive': 'timeout=600',
    'x-middleware-subrequest': 'middleware',
    'x-http-method-override': 'DELETE',
    'x-original-url': '/__stats',
    'x-rewrite-url': '/__stats',
    'x-csrf': '1',
    accept: 'application/json',
  };
  const NEVER = [
    'cookie',
    'proxy-authorization',
    'forwarded',
    'x-real-ip',
    'x-client-ip',
    'true-client-ip',
    'cf-connecting-ip',
    'x-hop-secret',
    'te',
    'upgrade',
    'x-middleware-subrequest',
    'x-http-method-override',
    'x-original-url',
    'x-rewrite-url',
    'x-csrf',
    'x-forwarded-port',
  ];

  it.each(['GET', 'POST'])('%s: the backend gets bffkit\'s Authorization and X-Forwarded-*, none of the browser\'s', async (method) => {
    const headers = { ...hostile, cookie: `${cookie}; other=browser-cookie-value` };
    const { result, seen } = await backendSaw(() =>
      method === 'GET'
        ? t.client.get('/api/backend/notes', undefined, { headers })
        : t.client.json('/api/backend/notes', { title: 'headers', body: 'x' }, { headers: { ...headers, origin: t.client.origin } }),
    );
    expect([200, 201], result.body).toContain(result.status);
    const sent = seen.find((s) => s.path === '/notes')!;
    expect(sent, 'one call reached the backend').toBeDefined();
    expect(sent.headers.authorization).toBe(`Bearer ${accessToken}`);
    expect(sent.headers['x-forwarded-host']).toBe(new URL(t.client.origin).host);
    expect(sent.headers['x-forwarded-proto']).toBe('http');
    expect(sent.headers['x-forwarded-for'], 'no client address without trustProxy').toBeUndefined();
    expect(sent.headers.accept, 'allow-listed headers do pass').toBe('application/json');
    for (const name of NEVER) expect(sent.headers[name], name).toBeUndefined();
    expect(JSON.stringify(sent.headers)).not.toContain('browser-cookie-value');
    expect(JSON.stringify(sent.headers)).not.toContain('6.6.6.6');
    expect(JSON.stringify(sent.headers)).not.toContain('evil.example');
  });

  it('with trustProxy, X-Forwarded-For to the backend is the trusted client address, never the spoofed left entry', async () => {
    const trusting: AppUnderTest = await t.extraApp({ BFF_TRUST_PROXY: '1' });
    const { cookie: c } = await login(trusting.client);
    const before = t.interposer!.seen.length;
    const r = await trusting.client.get('/api/backend/notes', c, { headers: { 'x-forwarded-for': '6.6.6.6, 203.0.113.7' } });
    expect(r.status).toBe(200);
    const sent = t.interposer!.seen.slice(before).find((s) => s.path === '/notes')!;
    expect(sent.headers['x-forwarded-for']).toBe('203.0.113.7');
    expectHealthy(trusting);
  });
});

describe(item(20), () => {
  it('upstream Set-Cookie, hop-by-hop, auth challenges, CORS and Next/nginx control headers never reach the browser', async () => {
    t.interposer!.setRule((r) =>
      r.path === '/notes'
        ? {
            kind: 'pass',
            addHeaders: {
              'set-cookie': ['evil=1; Path=/', 'bffkit=forged; Path=/', '__Host-bffkit=forged; Path=/; Secure'],
              'x-upstream-hop': 'secret',
              connection: 'x-upstream-hop',
              'keep-alive': 'timeout=99',
              'proxy-authenticate': 'Basic realm="x"',
              'www-authenticate': 'Basic realm="upstream"',
              'strict-transport-security': 'max-age=1',
              'clear-site-data': '"cookies"',
              'access-control-allow-origin': '*',
              'x-middleware-rewrite': '/admin',
              'x-middleware-set-cookie': 'bffkit=forged',
              'x-nextjs-redirect': '/evil',
              'x-accel-redirect': '/internal/secret',
              server: 'secret-server/1.0',
              'x-powered-by': 'secret-stack',
              'x-app-header': 'kept',
            },
          }
        : undefined,
    );
    try {
      const r = await t.client.get('/api/backend/notes', cookie);
      expect(r.status).toBe(200);
      expect(r.setCookies, 'no cookie from the upstream').toEqual([]);
      for (const name of [
        'x-upstream-hop',
        'proxy-authenticate',
        'www-authenticate',
        'strict-transport-security',
        'clear-site-data',
        'access-control-allow-origin',
        'x-middleware-rewrite',
        'x-middleware-set-cookie',
        'x-nextjs-redirect',
        'x-accel-redirect',
        'x-powered-by',
      ]) {
        expect(r.headers[name], name).toBeUndefined();
      }
      expect(String(r.headers.server ?? '')).not.toContain('secret-server');
      expect(r.headers['keep-alive'] ?? '').not.toContain('99');
      expect(r.headers['x-app-header'], 'ordinary headers pass').toBe('kept');
      expect(await sessionStatus(t.client, cookie)).toBe('authenticated');
    } finally {
      t.interposer!.setRule(null);
    }
  });

  it.each([
    ['302 to another host', 302, () => `${decoy.url}/steal`],
    ['307 to another host (POST body)', 307, () => `${decoy.url}/steal`],
    ['302 to a protocol-relative host', 302, () => `//${new URL(decoy.url).host}/steal`],
    ['301 to the upstream itself', 301, () => '/notes'],
  ])('an upstream redirect (%s) is not followed and never points the browser off the app', async (_, status, target) => {
    t.interposer!.setRule((r) => (r.path.startsWith('/notes') ? { kind: 'respond', status, headers: { location: target() }, body: '' } : undefined));
    try {
      for (const method of ['GET', 'POST']) {
        const r =
          method === 'GET'
            ? await t.client.get('/api/backend/notes/1', cookie)
            : await t.client.json('/api/backend/notes', { title: 'x', body: 'y' }, { cookie });
        expect(r.status, method).toBe(status);
        const loc = r.headers.location;
        if (loc !== undefined) expect(loc, 'only rewritten into the mount').toMatch(/^\/api\/backend\//);
      }
      expect(decoy.seen, 'the redirect target was never called (no token sent there)').toEqual([]);
    } finally {
      t.interposer!.setRule(null);
    }
  });
});

describe(item(21), () => {
  it('TRACE, TRACK, CONNECT, WebDAV and unknown methods are refused before the backend; nothing reflects the request', async () => {
    const paths = ['/api/backend/notes', '/api/auth/login', '/api/auth/session', '/profile'];
    const before = t.interposer!.seen.length;
    for (const path of paths) {
      const trace = await t.client.request(path, {
        method: 'TRACE',
        cookie,
        headers: { 'x-secret-probe': 'reflect-me' },
      });
      expect(trace.status, `TRACE ${path}`).toBe(405);
      expect(trace.body).not.toContain('reflect-me');
      expect(trace.body).not.toContain(cookie.slice(7, 40));
      expect(trace.body).not.toMatch(/\bat .+:\d+:\d+/);
      for (const method of ['TRACK', 'CONNECT', 'PROPFIND', 'MKCOL', 'LOCK', 'FOO', 'GETS']) {
        const r = await t.client.request(path, { method, cookie });
        // Pages: Next.js renders a WebDAV method like GET (the signed-in user's own page); never a 500.
        const allowed = path.startsWith('/api/') ? [0, 400, 401, 404, 405, 501] : [0, 200, 400, 404, 405, 501];
        expect(allowed, `${method} ${path}: ${r.status}`).toContain(r.status);
        expect(r.body).not.toMatch(/\bat .+:\d+:\d+/);
      }
    }
    for (const method of ['OPTIONS', 'HEAD', 'PUT']) {
      const r = await t.client.request('/api/backend/notes', { method, cookie });
      expect(r.status, method).toBe(405);
    }
    // (A page rendered for PROPFIND fetches /auth/me with GET like any render; nothing else may pass.)
    const passed = t.interposer!.seen.slice(before).filter((s) => !(s.method === 'GET' && s.path === '/auth/me'));
    expect(passed, 'no odd method reached the backend').toEqual([]);
  });

  it('a body over the limit is 413 payload_too_large before reaching the backend (declared and chunked)', async () => {
    const big = Buffer.alloc(11 * 1024 * 1024, 0x61);
    const body = Buffer.concat([Buffer.from('{"title":"'), big, Buffer.from('","body":"x"}')]);
    const before = t.interposer!.seen.length;
    const declared = await t.client.request('/api/backend/notes', {
      method: 'POST',
      cookie,
      headers: { 'content-type': 'application/json', 'x-csrf': '1', origin: t.client.origin },
      body,
    });
    expect(expectJsonError(declared, 413, 'declared')).toBe('payload_too_large');
    expect(t.interposer!.seen.slice(before), 'refused before the backend call').toEqual([]);
    const chunked = await t.client.request('/api/backend/notes', {
      method: 'POST',
      cookie,
      headers: { 'content-type': 'application/json', 'x-csrf': '1', origin: t.client.origin, 'transfer-encoding': 'chunked' },
      body,
    });
    expect(chunked.status, chunked.body.slice(0, 200)).toBe(413);
    const login = await t.client.json('/api/auth/login', { ...DEMO, pad: 'x'.repeat(32 * 1024) });
    expect(expectJsonError(login, 413, 'login')).toBe('payload_too_large');
    expect(await sessionStatus(t.client, cookie)).toBe('authenticated');
  });

  it('an unreachable backend is 502 upstream_unavailable; the session is kept', async () => {
    t.interposer!.setRule((r) => (r.path.startsWith('/notes') ? { kind: 'drop' } : undefined));
    try {
      const r = await t.client.get('/api/backend/notes', cookie);
      expect(expectJsonError(r, 502, 'drop')).toBe('upstream_unavailable');
      expect(clearedNames(r)).toEqual([]);
    } finally {
      t.interposer!.setRule(null);
    }
    expect((await t.client.get('/api/backend/notes', cookie)).status).toBe(200);
  });

  it('a silent backend is 504 upstream_timeout after the upstream timeout; the session is kept', async () => {
    t.interposer!.setRule((r) => (r.path.startsWith('/notes') ? { kind: 'hang' } : undefined));
    try {
      const r = await t.client.get('/api/backend/notes', cookie, { timeoutMs: 60_000 });
      expect(expectJsonError(r, 504, 'hang')).toBe('upstream_timeout');
      expect(clearedNames(r)).toEqual([]);
    } finally {
      t.interposer!.setRule(null);
    }
    expect((await t.client.get('/api/backend/notes', cookie)).status).toBe(200);
  }, 80_000);
});

describe(item(22), () => {
  it('anonymous, tampered and ended sessions get 401 JSON on every API method, never a redirect', async () => {
    const { cookie: ended } = await login(t.client);
    await t.client.json('/api/auth/logout', {}, { cookie: ended });
    for (const c of [undefined, 'bffkit=tampered', ended]) {
      for (const method of ['GET', 'POST', 'PATCH', 'DELETE']) {
        for (const accept of ['application/json', 'text/html,application/xhtml+xml', '*/*']) {
          const path = method === 'GET' || method === 'POST' ? '/api/backend/notes' : '/api/backend/notes/1';
          const r = await t.client.json(path, method === 'GET' || method === 'DELETE' ? '' : { title: 'x' }, {
            method,
            ...(c ? { cookie: c } : {}),
            headers: { accept, ...(method === 'GET' ? { 'content-type': undefined } : {}) },
          });
          const code = expectJsonError(r, 401, `${method} ${accept} ${c?.slice(0, 20)}`);
          expect(['unauthenticated', 'session_expired']).toContain(code);
          expect(r.headers.location).toBeUndefined();
        }
      }
    }
    for (const path of ['/api/backend/auth/me', '/api/backend/unknown', '/api/backend/notes/..%2f__stats']) {
      const r = await t.client.get(path);
      expect(r.status >= 400 && r.status < 500, `${path}: ${r.status}`).toBe(true);
      expect(r.headers.location, path).toBeUndefined();
    }
  });
});

describe(item(23), () => {
  const variants = [
    'middleware',
    'proxy',
    'src/middleware',
    'src/proxy',
    'pages/_middleware',
    'app/middleware',
    'middleware:middleware:middleware:middleware:middleware',
    'proxy:proxy:proxy:proxy:proxy',
    'src/middleware:src/middleware:src/middleware:src/middleware:src/middleware',
    'src/proxy:src/proxy:src/proxy:src/proxy:src/proxy',
    'pages/_middleware:pages/_middleware:pages/_middleware:pages/_middleware:pages/_middleware',
  ];
  const internal: Record<string, string>[] = [
    { 'x-middleware-prefetch': '1' },
    { 'x-nextjs-data': '1' },
    { 'x-invoke-path': '/profile', 'x-invoke-query': '{}' },
    { 'x-matched-path': '/' },
    { 'x-middleware-invoke': '1' },
    { 'x-prerender-revalidate': 'guess' },
    { 'x-middleware-rewrite': '/profile' },
    // A well-formed router state tree: a malformed one is answered 400 by the example's request guard
    // before anything else (tests/security/fuzz.test.ts, request-guard.test.ts).
    { rsc: '1', 'next-router-prefetch': '1', 'next-router-state-tree': '%5B%22%22%2C%7B%7D%5D' },
    { purpose: 'prefetch', 'sec-purpose': 'prefetch' },
  ];

  async function expectNoContent(r: Reply, path: string, what: string, headers: Record<string, string> = {}): Promise<void> {
    const loc = r.headers.location ?? '';
    if (r.status === 307 && loc.startsWith(`${path}?_rsc`)) {
      // Next.js's cache-busting redirect of an RSC request to the same path: follow it once.
      r = await t.client.get(loc, undefined, { headers });
    }
    if (r.headers['x-middleware-skip'] === '1') {
      // Next.js answers a middleware prefetch itself with an empty object: no handler ran.
      expect(r.body, `${path} ${what}`).toBe('{}');
    } else if (path.startsWith('/api/')) {
      expect(r.status, `${path} ${what}`).toBe(401);
      expect(r.body).not.toMatch(/^\[/);
    } else {
      expect([303, 307, 308], `${path} ${what}: ${r.status}`).toContain(r.status);
      expect(r.headers.location ?? '', `${path} ${what}`).toMatch(/\/login\?returnTo=/);
    }
    expect(r.body, `${path} ${what}`).not.toContain(DEMO.email);
    expect(r.body, `${path} ${what}`).not.toContain('data-testid="note-item"');
  }

  it('spoofed x-middleware-subrequest variants change nothing for anonymous requests', async () => {
    const { cookie: ended } = await login(t.client);
    await t.client.json('/api/auth/logout', {}, { cookie: ended });
    for (const value of variants) {
      for (const path of ['/profile', '/notes', '/sessions', '/api/backend/notes', '/api/backend/auth/me']) {
        for (const c of [undefined, ended]) {
          const r = await t.client.get(path, c, { headers: { 'x-middleware-subrequest': value } });
          await expectNoContent(r, path, value);
        }
      }
    }
  });

  it('other Next.js internal headers and route spellings change nothing either', async () => {
    const before = t.interposer!.seen.length;
    for (const headers of internal) {
      for (const path of ['/profile', '/notes', '/api/backend/notes']) {
        await expectNoContent(await t.client.get(path, undefined, { headers }), path, JSON.stringify(headers), headers);
      }
      const post = await t.client.json('/api/backend/notes', { title: 'via internal header' }, { headers });
      expect([200, 307, 401, 403], JSON.stringify(headers)).toContain(post.status);
      if (post.status === 200) expect(post.body).toBe('{}');
      if (post.status === 307) expect(post.headers.location).toMatch(/^\/api\/backend\/notes\?_rsc/);
    }
    expect(t.interposer!.seen.slice(before), 'no anonymous request reached the backend').toEqual([]);
    for (const path of ['/profile.rsc', '/profile?_rsc=x', '/_next/data/x/profile.json', '/profile/', '//profile', '/%70rofile', '/PROFILE', '/api/backend/%6eotes', '/api/%62ackend/notes', '/api/backend/notes;x', '/api/backend//notes']) {
      const r = await t.client.get(path, undefined, { headers: { 'x-middleware-subrequest': variants[6]! } });
      expect(r.status, path).not.toBe(200);
      expect(r.body, path).not.toContain(DEMO.email);
      expect(r.body.trim().startsWith('['), path).toBe(false);
    }
  });
});

describe(`server health (${items(18, 23)})`, () => {
  it('no unexpected 500 and the app logged no unhandled error (TRACE: the documented Next.js line only)', () => {
    expectHealthy(t, TRACE_LOG);
  });
});
