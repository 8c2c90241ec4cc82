/**
 * docs/security.md 13-16 over HTTP (and a real cross-site page in Chromium): the anti-forgery header plus
 * Fetch Metadata / Origin checks on every state-changing route, JSON-only login, no state change on
 * GET, closed CORS, and redirects/origins that never come from Host or X-Forwarded-Host.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type TestBrowser } from '../support/browser';
import type { Reply, Spec } from './lib/client';
import { COOKIE, DEMO, SECOND, cookieAfter } from './lib/session';
import { expectHealthy, login, sessionStatus, startTarget, type AppUnderTest, type Target } from './lib/stack';
import { item, items } from './items';

let t: Target;
let secure: AppUnderTest;
let demoCookie: string;
const EVIL = 'evil.example';
const SECURE_ORIGIN = 'https://bffkit.test';

beforeAll(async () => {
  t = await startTarget({ interpose: true });
  secure = await t.extraApp({ APP_URL: SECURE_ORIGIN });
  demoCookie = (await login(t.client)).cookie;
});

afterAll(async () => {
  await t?.stop();
});

/** The forged variants of a state-changing JSON request, as header overrides. */
function forgeries(): [string, Record<string, string | string[] | undefined>, string][] {
  const port = new URL(t.client.origin).port;
  return [
    ['no anti-forgery header', { 'x-csrf': undefined }, 'csrf_failed'],
    ['wrong anti-forgery value', { 'x-csrf': '0' }, 'csrf_failed'],
    ['empty anti-forgery value', { 'x-csrf': '' }, 'csrf_failed'],
    ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }, 'forbidden_origin'],
    ['Sec-Fetch-Site: same-site', { 'sec-fetch-site': 'same-site' }, 'forbidden_origin'],
    ['Sec-Fetch-Site: unknown value', { 'sec-fetch-site': 'bogus' }, 'forbidden_origin'],
    ['Sec-Fetch-Site: none without Origin', { 'sec-fetch-site': 'none', origin: undefined }, 'forbidden_origin'],
    ['look-alike suffix Origin', { origin: `${t.client.origin}.${EVIL}` }, 'forbidden_origin'],
    ['Origin: null', { origin: 'null' }, 'forbidden_origin'],
    ['Origin of another port', { origin: `http://localhost:${Number(port) + 1}` }, 'forbidden_origin'],
    ['Origin 127.0.0.1 instead of localhost', { origin: `http://127.0.0.1:${port}` }, 'forbidden_origin'],
    ['Origin with https', { origin: `https://localhost:${port}` }, 'forbidden_origin'],
    ['Origin with a trailing slash', { origin: `${t.client.origin}/` }, 'forbidden_origin'],
    ['two Origin headers', { origin: [t.client.origin, `http://${EVIL}`] }, 'forbidden_origin'],
    ['foreign Origin', { origin: `http://${EVIL}` }, 'forbidden_origin'],
  ];
}

function expectRefused(r: Reply, code: string, what: string): void {
  expect(r.status, `${what}: ${r.body}`).toBe(403);
  expect(r.json(), what).toMatchObject({ code });
  expect(r.setCookies.filter((l) => !/max-age=0/i.test(l)), what).toEqual([]);
}

describe(item(13), () => {
  it('login: every forgery is 403 and no login reaches the backend', async () => {
    const before = await t.backend.stats();
    for (const [what, headers, code] of forgeries()) {
      expectRefused(await t.client.json('/api/auth/login', DEMO, { headers }), code, `login, ${what}`);
    }
    const after = await t.backend.stats();
    expect(after.logins + after.login_failures).toBe(before.logins + before.login_failures);
    // Control: the genuine request, and a non-browser client that sends no Origin but the header.
    expect((await t.client.json('/api/auth/login', DEMO)).status).toBe(200);
    expect((await t.client.json('/api/auth/login', DEMO, { headers: { origin: undefined } })).status).toBe(200);
  });

  it('logout: every forgery is 403 and the session survives', async () => {
    for (const [what, headers, code] of forgeries()) {
      expectRefused(await t.client.json('/api/auth/logout', {}, { cookie: demoCookie, headers }), code, `logout, ${what}`);
    }
    expect(await sessionStatus(t.client, demoCookie)).toBe('authenticated');
  });

  it('the browser\'s session renewal (POST /api/auth/session): every forgery is 403, no refresh, the session as it was', async () => {
    const before = await t.backend.stats();
    for (const [what, headers, code] of forgeries()) {
      expectRefused(await t.client.json('/api/auth/session', {}, { cookie: demoCookie, headers }), code, `renewal, ${what}`);
    }
    const after = await t.backend.stats();
    expect(after.refreshes + after.refresh_failures).toBe(before.refreshes + before.refresh_failures);
    // Control: the genuine renewal answers the session.
    expect((await t.client.json('/api/auth/session', {}, { cookie: demoCookie })).json()).toMatchObject({ status: 'authenticated' });
  });

  it('forwarded POST, PATCH and DELETE: every forgery is 403 before any backend call', async () => {
    const created = await t.client.json('/api/backend/notes', { title: 'csrf target', body: 'x' }, { cookie: demoCookie });
    expect(created.status).toBe(201);
    const id = created.json<{ id: number }>().id;
    const calls: [string, string, Spec][] = [
      ['POST', '/api/backend/notes', { body: JSON.stringify({ title: 'forged', body: 'x' }) }],
      ['PATCH', `/api/backend/notes/${id}`, { body: JSON.stringify({ title: 'forged' }) }],
      ['DELETE', `/api/backend/notes/${id}`, {}],
    ];
    const seenBefore = t.interposer!.seen.length;
    for (const [method, path, spec] of calls) {
      for (const [what, headers, code] of forgeries()) {
        const r = await t.client.json(path, spec.body ?? '', { method, cookie: demoCookie, headers });
        expectRefused(r, code, `${method} ${path}, ${what}`);
      }
      // A form post (the "simple" cross-site request) has no header at all.
      const form = await t.client.request(path, {
        method,
        cookie: demoCookie,
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: t.client.origin },
        body: 'title=forged',
      });
      expect(form.status, `${method} form`).toBe(403);
    }
    expect(t.interposer!.seen.length, 'no forged call reached the backend').toBe(seenBefore);
    const note = await t.client.get(`/api/backend/notes/${id}`, demoCookie);
    expect(note.json()).toMatchObject({ title: 'csrf target' });
  });

  it('Server Action posts Next.js would fail on (empty Next-Action, empty or malformed Origin, a non-array payload) get 4xx JSON on any page', async () => {
    const cases: [string, Record<string, string>, string][] = [
      ['/', { 'next-action': '', origin: '' }, ''],
      ['/favicon.ico', { 'next-action': '', origin: 'garbage' }, '[]'],
      ['/api/auth', { 'next-action': '', origin: '', 'content-type': 'application/json' }, '[]'],
      ['/login/x', { 'next-action': '', origin: 'garbage', 'content-type': 'application/json' }, '{}'],
      ['/sessions', { 'next-action': '00ab', 'content-type': 'application/json' }, 'null'],
    ];
    for (const [path, headers, body] of cases) {
      const r = await t.client.request(path, { method: 'POST', headers, body, cookie: demoCookie });
      const what = `POST ${path} ${JSON.stringify(headers)} ${body}`;
      expect([400, 403], what).toContain(r.status);
      expect(r.headers['content-type'], what).toMatch(/^application\/json/);
    }
    expect(await sessionStatus(t.client, demoCookie)).toBe('authenticated');
  });

  it('a real cross-site page in Chromium cannot log the victim out, log them in as someone else, or write notes', async () => {
    const attacker = await attackerSite(t.client.origin);
    const browser: TestBrowser = await launchBrowser();
    try {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${t.client.origin}/login`);
      await page.locator('form[data-testid=login-form] input[name=email]').fill(DEMO.email);
      await page.locator('form[data-testid=login-form] input[name=password]').fill(DEMO.password);
      await page.locator('form[data-testid=login-form] button[type=submit]').click();
      await page.waitForURL((u) => u.pathname === '/profile');
      const notesBefore = await page.evaluate(async () => (await (await fetch('/api/backend/notes')).json()).length as number);

      for (const attack of ['logout', 'login', 'fetch']) {
        const evil = await context.newPage();
        await evil.goto(`${attacker.url}/${attack}`);
        await evil.waitForTimeout(800);
        await evil.close();
      }
      const state = await page.evaluate(async () => {
        const session = await (await fetch('/api/auth/session')).json();
        const notes = await (await fetch('/api/backend/notes')).json();
        return { session, notes: notes.length as number };
      });
      expect(state.session).toMatchObject({ status: 'authenticated', user: { email: DEMO.email } });
      expect(state.notes).toBe(notesBefore);
      expect(attacker.hits().length).toBeGreaterThanOrEqual(3);
    } finally {
      await browser.close();
      await attacker.close();
    }
  });
});

describe(item(14), () => {
  it('refuses every content type but JSON (415), even with the anti-forgery header', async () => {
    for (const type of ['text/plain', 'multipart/form-data; boundary=x', 'application/xml', 'application/jsonx', undefined]) {
      const r = await t.client.request('/api/auth/login', {
        method: 'POST',
        headers: { 'x-csrf': '1', origin: t.client.origin, ...(type ? { 'content-type': type } : {}) },
        body: JSON.stringify(DEMO),
      });
      expect(r.status, String(type)).toBe(415);
      expect(r.json()).toMatchObject({ code: 'unsupported_media_type' });
    }
    const ok = await t.client.json('/api/auth/login', DEMO, { headers: { 'content-type': 'Application/JSON; charset=utf-8' } });
    expect(ok.status).toBe(200);
  });

  it('the no-JS form path needs an Origin equal to the app origin', async () => {
    for (const headers of [{ origin: undefined }, { origin: `http://${EVIL}` }, { origin: 'null' }, { 'sec-fetch-site': 'cross-site' }]) {
      const r = await t.client.form('/api/auth/login', { ...DEMO, returnTo: '/profile' }, { headers });
      expect(r.status, JSON.stringify(headers)).toBe(403);
      expect(r.setCookies).toEqual([]);
    }
    const ok = await t.client.form('/api/auth/login', { ...DEMO, returnTo: '/profile' });
    expect(ok.status).toBe(303);
    expect(cookieAfter(ok)).toContain(`${COOKIE}=`);
  });
});

describe(item(15), () => {
  it('GET and HEAD never log in or out', async () => {
    for (const method of ['GET', 'HEAD']) {
      const out = await t.client.request('/api/auth/logout?x-csrf=1', { method, cookie: demoCookie });
      expect(out.status, method).toBe(405);
      const inn = await t.client.request(`/api/auth/login?email=${encodeURIComponent(DEMO.email)}&password=${DEMO.password}`, { method });
      expect(inn.status, method).toBe(405);
      expect(inn.setCookies).toEqual([]);
    }
    expect(await sessionStatus(t.client, demoCookie)).toBe('authenticated');
    // Reading the session repeatedly never changes it.
    const again = await t.client.get('/api/auth/session', demoCookie);
    expect(again.setCookies).toEqual([]);
  });

  it('no Access-Control-Allow-* for a foreign Origin on preflights or real requests, even when the backend sends them', async () => {
    t.interposer!.setRule((r) =>
      r.path.startsWith('/notes')
        ? { kind: 'pass', addHeaders: { 'access-control-allow-origin': '*', 'access-control-allow-credentials': 'true', 'access-control-allow-headers': 'x-csrf' } }
        : undefined,
    );
    try {
      const origin = `http://${EVIL}`;
      for (const path of ['/api/auth/login', '/api/auth/logout', '/api/auth/session', '/api/backend/notes']) {
        const pre = await t.client.request(path, {
          method: 'OPTIONS',
          cookie: demoCookie,
          headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-csrf, content-type' },
        });
        const real = await t.client.get(path, demoCookie, { headers: { origin } });
        for (const r of [pre, real]) {
          const cors = Object.keys(r.headers).filter((h) => h.startsWith('access-control-'));
          expect(cors, `${path} ${r.status}`).toEqual([]);
        }
      }
    } finally {
      t.interposer!.setRule(null);
    }
  });
});

describe(item(16), () => {
  const spoofs: [string, Record<string, string>][] = [
    ['Host', { host: EVIL }],
    ['X-Forwarded-Host', { 'x-forwarded-host': EVIL, 'x-forwarded-proto': 'https' }],
    ['Forwarded', { forwarded: `host=${EVIL};proto=https` }],
    ['all of them', { host: EVIL, 'x-forwarded-host': EVIL, 'x-forwarded-proto': 'https', 'x-forwarded-port': '443', forwarded: `host=${EVIL}` }],
  ];

  /** Absolute: must be the configured origin. Relative: must stay on whatever host the browser used. */
  function expectOnOrigin(r: Reply, origin: string, what: string): void {
    expect([302, 303, 307, 308], `${what}: status ${r.status}`).toContain(r.status);
    const location = r.headers.location ?? r.headers['x-nextjs-redirect'];
    expect(typeof location, what).toBe('string');
    const loc = location as string;
    if (/^[a-z][a-z0-9+.-]*:/i.test(loc)) expect(new URL(loc).origin, what).toBe(origin);
    else expect(/^\/(?![/\\])/.test(loc), `${what}: ${loc}`).toBe(true);
    expect(loc, what).not.toContain(EVIL);
  }

  it('login and logout forms, success and failure, redirect only to the configured origin', async () => {
    for (const [what, headers] of spoofs) {
      const ok = await t.client.form('/api/auth/login', { ...DEMO, returnTo: '/notes' }, { headers });
      expectOnOrigin(ok, t.client.origin, `login, ${what}`);
      const failed = await t.client.form('/api/auth/login', { email: `nobody-${what.length}@example.com`, password: 'x', returnTo: '/notes' }, { headers });
      expectOnOrigin(failed, t.client.origin, `failed login, ${what}`);
      const out = await t.client.form('/api/auth/logout', { returnTo: '/' }, { headers, cookie: cookieAfter(ok) });
      expectOnOrigin(out, t.client.origin, `logout, ${what}`);
    }
  });

  it('proxy.ts and Next redirects of anonymous or odd page requests stay on the app', async () => {
    for (const [what, headers] of spoofs) {
      // The data URL too: with `skipProxyUrlNormalize` (examples/next-app/next.config.ts) proxy.ts sees
      // it raw, and the guard reads it as the page it stands for (/profile), as Next would route it.
      for (const path of ['/profile', '/notes?x=1', '/profile/', '//profile', '/_next/data/x/profile.json']) {
        expectOnOrigin(await t.client.get(path, undefined, { headers }), t.client.origin, `${path}, ${what}`);
      }
    }
  });

  it('in https mode, redirects use the configured https origin, whatever Host says', async () => {
    for (const [what, headers] of [['real Host', {}], ...spoofs] as [string, Record<string, string>][]) {
      const r = await secure.client.get('/profile', undefined, { headers });
      expectOnOrigin(r, SECURE_ORIGIN, `https ${what}`);
      expect(r.headers.location).toMatch(/^https:\/\/bffkit\.test\/login\?returnTo=/);
      const form = await secure.client.form('/api/auth/login', { ...DEMO, returnTo: '/notes' }, { headers: { ...headers, origin: SECURE_ORIGIN } });
      expect(form.headers.location, what).toBe(`${SECURE_ORIGIN}/notes`);
    }
  });

  it('Origin checks compare with the configuration: a spoofed Host does not make its own origin acceptable', async () => {
    for (const [what, headers] of spoofs) {
      const evilOrigin = { ...headers, origin: `http://${EVIL}` };
      expect((await t.client.json('/api/auth/login', DEMO, { headers: evilOrigin })).status, what).toBe(403);
      expect((await t.client.json('/api/auth/logout', {}, { cookie: demoCookie, headers: evilOrigin })).status, what).toBe(403);
      expect((await t.client.form('/api/auth/login', DEMO, { headers: evilOrigin })).status, what).toBe(403);
      const note = await t.client.json('/api/backend/notes', { title: 'x', body: 'y' }, { cookie: demoCookie, headers: evilOrigin });
      expect(note.status, what).toBe(403);
      // The real origin is still accepted while Host lies.
      expect((await t.client.json('/api/auth/login', SECOND, { headers })).status, what).toBe(200);
    }
    expect(await sessionStatus(t.client, demoCookie)).toBe('authenticated');
  });

  it('pages and the backend never see the spoofed host', async () => {
    for (const [what, headers] of spoofs) {
      for (const path of ['/', '/login?returnTo=%2Fnotes', '/profile', '/notes']) {
        const r = await t.client.get(path, demoCookie, { headers });
        expect(r.status, `${path} ${what}`).toBe(200);
        expect(r.body, `${path} ${what}`).not.toContain(EVIL);
      }
      const before = t.interposer!.seen.length;
      expect((await t.client.get('/api/backend/notes', demoCookie, { headers })).status).toBe(200);
      const sent = t.interposer!.seen.slice(before).find((s) => s.path.startsWith('/notes'))!;
      expect(sent.headers['x-forwarded-host'], what).toBe(new URL(t.client.origin).host);
      expect(JSON.stringify(sent.headers), what).not.toContain(EVIL);
    }
  });
});

describe(`server health (${items(13, 16)})`, () => {
  it('no request answered 500 and the app logged no unhandled error', () => {
    expectHealthy(t);
    expectHealthy(secure);
  });
});

/**
 * The attacker's site on another origin (127.0.0.1 vs localhost: cross-site): pages that auto-submit
 * forms to the app's logout and login routes, and a no-cors fetch that tries to create a note.
 */
async function attackerSite(app: string): Promise<{ url: string; hits(): string[]; close(): Promise<void> }> {
  const hits: string[] = [];
  const pages: Record<string, string> = {
    '/logout': `<form method="post" action="${app}/api/auth/logout"><input name="returnTo" value="/"></form><script>document.forms[0].submit()</script>`,
    '/login': `<form method="post" action="${app}/api/auth/login"><input name="email" value="${SECOND.email}"><input name="password" value="${SECOND.password}"></form><script>document.forms[0].submit()</script>`,
    '/fetch': `<script>fetch("${app}/api/backend/notes", {method: "POST", mode: "no-cors", credentials: "include", headers: {"content-type": "text/plain"}, body: JSON.stringify({title: "pwned", body: "x"})}); fetch("${app}/api/auth/logout", {method: "POST", mode: "no-cors", credentials: "include"})</script>`,
  };
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!doctype html><html><body>${pages[req.url ?? ''] ?? 'nothing'}</body></html>`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits: () => hits,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
