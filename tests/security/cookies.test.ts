/**
 * docs/security.md 1 and 3-8, attacked over HTTP against the running example app: cookie attributes,
 * per-purpose keys, tampering, secret rotation, cookie-name confusion, chunking and fixation.
 * (Item 2, the browser token-leak scan, is in leak.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { APP_DIR, REPO_ROOT, TEST_SECRET, baseEnv, track } from '../support/app-process';
import { freePort } from '../support/ports';
import { Client, type Reply } from './lib/client';
import {
  COOKIE,
  DEMO,
  SECOND,
  clearedNames,
  cookieAfter,
  nowSeconds,
  openSession,
  sealSession,
  setCookieValue,
  type SessionData,
} from './lib/session';
import { expectHealthy, login, sessionStatus, startTarget, type AppUnderTest, type Target } from './lib/stack';
import { item, items } from './items';

const OTHER_SECRET = 'another-secret-of-at-least-32-characters-xyz';
const SECURE_ORIGIN = 'https://bffkit.test';

let t: Target;
let secure: AppUnderTest;
/** A live demo session: its Cookie header, sealed value and content. */
let demo: { cookie: string; value: string; session: SessionData };

beforeAll(async () => {
  t = await startTarget();
  secure = await t.extraApp({ APP_URL: SECURE_ORIGIN });
  const { cookie, reply } = await login(t.client);
  const value = setCookieValue(reply)!;
  demo = { cookie, value, session: openSession(value)! };
  expect(demo.session, 'the test secret opens the app cookie').not.toBeNull();
});

afterAll(async () => {
  await t?.stop();
});

/** Parses a Set-Cookie line into name, value and lower-cased attributes. */
function parse(line: string) {
  const [pair = '', ...parts] = line.split(';');
  const eq = pair.indexOf('=');
  const attrs = new Map<string, string>();
  for (const p of parts) {
    const i = p.indexOf('=');
    attrs.set((i < 0 ? p : p.slice(0, i)).trim().toLowerCase(), i < 0 ? '' : p.slice(i + 1).trim());
  }
  return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), attrs };
}

/** Asserts that a cookie header is anonymous everywhere: session endpoint, forwarded API, protected page. */
async function expectAnonymous(client: Client, cookie: string, what: string): Promise<Reply> {
  const session = await client.get('/api/auth/session', cookie);
  expect(session.status, what).toBe(200);
  expect(session.json(), what).toEqual({ status: 'unauthenticated' });
  const api = await client.get('/api/backend/notes', cookie);
  expect(api.status, what).toBe(401);
  expect(api.json<{ code: string }>().code, what).toMatch(/^(unauthenticated|session_expired)$/);
  const page = await client.get('/profile', cookie);
  expect(page.status, what).toBe(307);
  expect(page.body, what).not.toContain(DEMO.email);
  return session;
}

/** Splits a value into `n` chunk cookies. */
function chunked(value: string, n: number, name = COOKIE): string[] {
  const size = Math.ceil(value.length / n);
  return Array.from({ length: n }, (_, i) => `${name}.${i}=${value.slice(i * size, (i + 1) * size)}`);
}

/** Waits for the app's stdout to catch up, then counts lines matching `re`. */
async function countLogLines(app: AppUnderTest, re: RegExp): Promise<number> {
  await new Promise((r) => setTimeout(r, 300));
  return app.app.output().split('\n').filter((l) => re.test(l)).length;
}

const REJECTED_LINE = /\[bffkit\] session cookie (rejected|set is inconsistent)/;

describe(item(1), () => {
  it('dev mode (plain-http localhost): HttpOnly, Path=/, SameSite=Lax, no Domain, no Secure, no prefix; one start-up warning', async () => {
    const { reply } = await login(t.client);
    const lines = reply.setCookies.map(parse).filter((c) => c.name === COOKIE || c.name.startsWith(`${COOKIE}.`));
    expect(lines.length).toBeGreaterThan(0);
    for (const c of lines) {
      expect(c.attrs.has('httponly')).toBe(true);
      expect(c.attrs.get('path')).toBe('/');
      expect(c.attrs.get('samesite')).toBe('Lax');
      expect(c.attrs.has('domain')).toBe(false);
      expect(c.attrs.has('secure')).toBe(false);
      expect(Number(c.attrs.get('max-age'))).toBeGreaterThan(0);
    }
    // The clearing cookie of logout has the same name and path, so the browser really deletes it.
    const out = await t.client.json('/api/auth/logout', {}, { cookie: cookieAfter(reply) });
    const cleared = out.setCookies.map(parse).find((c) => c.name === COOKIE)!;
    expect(cleared.attrs.get('path')).toBe('/');
    expect(cleared.attrs.get('max-age')).toBe('0');
    expect(cleared.attrs.has('httponly')).toBe(true);
    expect(cleared.attrs.has('domain')).toBe(false);
    // The whole process (proxy.ts, route handlers, pages) warns exactly once (the log line; the
    // example app also prints the same warning once as a `config.warning` audit event).
    const warned = t.app.output().split('\n').filter((l) => l.includes('is plain http on localhost'));
    expect(warned.filter((l) => l.startsWith('[bffkit] '))).toHaveLength(1);
    expect(warned.filter((l) => l.startsWith('{"type":"config.warning"'))).toHaveLength(1);
  });

  it('https mode: __Host-bffkit with Secure, HttpOnly, Path=/, SameSite=Lax, no Domain; no dev warning', async () => {
    const reply = await secure.client.json('/api/auth/login', DEMO, { headers: { origin: SECURE_ORIGIN } });
    expect(reply.status, reply.body).toBe(200);
    const c = reply.setCookies.map(parse).find((x) => x.name === `__Host-${COOKIE}`);
    expect(c, reply.setCookies.join('\n')).toBeDefined();
    expect(c!.attrs.has('secure')).toBe(true);
    expect(c!.attrs.has('httponly')).toBe(true);
    expect(c!.attrs.get('path')).toBe('/');
    expect(c!.attrs.get('samesite')).toBe('Lax');
    expect(c!.attrs.has('domain')).toBe(false);
    expect(reply.setCookies.some((l) => parse(l).name === COOKIE)).toBe(false);
    expect(secure.app.output()).not.toContain('plain http');
  });
});

describe(item(3), () => {
  it('is AES-GCM framed: version byte, 12-byte IV, ciphertext, 16-byte tag', () => {
    const raw = Buffer.from(demo.value, 'base64url');
    expect(raw[0]).toBe(0x01);
    expect(Buffer.from(raw).toString('base64url')).toBe(demo.value);
    // The header (2) + IV (12) + tag (16) around a ciphertext as long as the plaintext (GCM is a stream mode).
    const plaintextLength = raw.length - 2 - 12 - 16;
    expect(plaintextLength).toBeGreaterThan(0);
    expect(JSON.stringify(demo.session)).not.toBe('');
    expect(demo.value).not.toContain(demo.session.tokens.accessToken.split('.')[1]!);
  });

  it('the same session sealed for another purpose with the right secret is anonymous and cleared', async () => {
    const control = sealSession(demo.session, { purpose: 'session' });
    expect(await sessionStatus(t.client, `${COOKIE}=${control}`), 'control: purpose session').toBe('authenticated');
    for (const purpose of ['transaction', 'successor', 'session-id', 'handoff'] as const) {
      const forged = `${COOKIE}=${sealSession(demo.session, { purpose })}`;
      const reply = await expectAnonymous(t.client, forged, `sealed for ${purpose}`);
      expect(clearedNames(reply), purpose).toEqual([COOKIE]);
    }
  });
});

describe(item(4), () => {
  const flip = (v: string, i: number) => v.slice(0, i) + (v[i] === 'A' ? 'B' : 'A') + v.slice(i + 1);
  const variants = (): [string, string][] => {
    const v = demo.value;
    const n = v.length;
    const [a, b] = [v.slice(0, Math.floor(n / 2)), v.slice(Math.floor(n / 2))];
    return [
      ...[0, 1, 2, 8, 14, 20, Math.floor(n / 2), n - 17, n - 2, n - 1].map((i): [string, string] => [`flip at ${i}`, `${COOKIE}=${flip(v, i)}`]),
      ['truncated by 1', `${COOKIE}=${v.slice(0, -1)}`],
      ['truncated by 4', `${COOKIE}=${v.slice(0, -4)}`],
      ['first half', `${COOKIE}=${a}`],
      ['first char cut', `${COOKIE}=${v.slice(1)}`],
      ['extended', `${COOKIE}=${v}AAAA`],
      ['garbage', `${COOKIE}=garbage`],
      ['json', `${COOKIE}={"v":1,"i":"x"}`],
      ['standard base64', `${COOKIE}=${Buffer.from(v, 'base64url').toString('base64')}`],
      ['wrong key', `${COOKIE}=${sealSession(demo.session, { secret: OTHER_SECRET })}`],
      ['empty', `${COOKIE}=`],
      ['8 KB of A', `${COOKIE}=${'A'.repeat(8192)}`],
      ['valid value plus 8 KB', `${COOKIE}=${v}${'A'.repeat(8192)}`],
      ['duplicate name, same valid value', `${COOKIE}=${v}; ${COOKIE}=${v}`],
      ['duplicate name, valid then garbage', `${COOKIE}=${v}; ${COOKIE}=x`],
      ['chunk .1 without .0', `${COOKIE}.1=${b}`],
      ['chunk gap', `${COOKIE}.0=${a}; ${COOKIE}.2=${b}`],
      ['extra chunk', `${COOKIE}.0=${a}; ${COOKIE}.1=${b}; ${COOKIE}.2=AAAA`],
      ['duplicate chunk', `${COOKIE}.0=${a}; ${COOKIE}.0=${a}; ${COOKIE}.1=${b}`],
      ['non-canonical chunk index', `${COOKIE}.00=${a}; ${COOKIE}.1=${b}`],
      ['plain cookie next to chunks', `${COOKIE}=${v}; ${COOKIE}.0=${a}; ${COOKIE}.1=${b}`],
      ['empty chunk', `${COOKIE}.0=${v}; ${COOKIE}.1=`],
    ];
  };

  it('control: the untouched value, and the same value as two chunks, are a session', async () => {
    expect(await sessionStatus(t.client, `${COOKIE}=${demo.value}`)).toBe('authenticated');
    expect(await sessionStatus(t.client, chunked(demo.value, 2).join('; '))).toBe('authenticated');
  });

  it('every tampered form is anonymous (200 session, 401 API, login redirect) and every cookie of the family is cleared', async () => {
    for (const [what, cookie] of variants()) {
      const reply = await expectAnonymous(t.client, cookie, what);
      const present = [...new Set(cookie.split(';').map((p) => p.trim().split('=')[0]!))];
      expect(clearedNames(reply).sort(), what).toEqual(present.sort());
    }
  });

  it('answers tampered cookies fast: p50 of 20 requests after warm-up under 50 ms', async () => {
    const tampered = `${COOKIE}=${flip(demo.value, 30)}`;
    const times: Record<string, number[]> = { '/api/auth/session': [], '/api/backend/notes': [] };
    for (const path of Object.keys(times)) {
      for (let i = 0; i < 5; i++) await t.client.get(path, tampered);
      for (let i = 0; i < 20; i++) times[path]!.push((await t.client.get(path, tampered)).ms);
    }
    const p = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
    for (const [path, xs] of Object.entries(times)) {
      console.info(`[security 04] tampered cookie at ${path}: p50 ${p(xs, 0.5).toFixed(1)} ms, p90 ${p(xs, 0.9).toFixed(1)} ms, max ${Math.max(...xs).toFixed(1)} ms`);
      expect(p(xs, 0.5), path).toBeLessThan(50);
    }
  });

  it('logs exactly one line per rejected cookie, without the value', async () => {
    for (const path of ['/api/auth/session', '/api/backend/notes', '/profile']) {
      const value = flip(demo.value, 40 + path.length);
      const before = await countLogLines(t, REJECTED_LINE);
      await t.client.get(path, `${COOKIE}=${value}`);
      expect(await countLogLines(t, REJECTED_LINE), path).toBe(before + 1);
      expect(t.app.output()).not.toContain(value);
    }
  });
});

describe(item(5), () => {
  const NEW_SECRET = 'the-new-secret-of-at-least-32-characters-long';

  it('with [new, old], cookies sealed with the old secret still open, and new cookies are sealed with the new one', async () => {
    const rotated = await t.extraApp({ BFF_SECRET: `${NEW_SECRET},${TEST_SECRET}` });
    expect(await sessionStatus(rotated.client, demo.cookie)).toBe('authenticated');
    const { reply } = await login(rotated.client);
    const value = setCookieValue(reply)!;
    expect(openSession(value, NEW_SECRET)).not.toBeNull();
    expect(openSession(value, TEST_SECRET)).toBeNull();
    expectHealthy(rotated);
  });

  it('once the old secret is removed, its cookies are anonymous and cleared', async () => {
    const retired = await t.extraApp({ BFF_SECRET: NEW_SECRET });
    const reply = await expectAnonymous(retired.client, demo.cookie, 'retired secret');
    expect(clearedNames(reply)).toEqual([COOKIE]);
    expectHealthy(retired);
  });

  it.each([
    ['missing', ''],
    ['short (31 characters)', 'x'.repeat(31)],
  ])('a %s secret is refused with a clear message naming the field; nothing is ever signed', async (_, secret) => {
    const broken = await startBrokenApp({ BFF_SECRET: secret });
    try {
      const session = await broken.client.get('/api/auth/session', undefined, { expect500: 'misconfigured on purpose' });
      const loginReply = await broken.client.json('/api/auth/login', DEMO, { expect500: 'misconfigured on purpose' });
      for (const r of [session, loginReply]) {
        expect(r.status).toBe(500);
        expect(r.setCookies).toEqual([]);
        expect(r.json()).toEqual({ code: 'internal_error', message: 'Internal error.' });
      }
      const page = await broken.client.get('/profile', undefined, { expect500: 'misconfigured on purpose' });
      expect(page.status).not.toBe(200);
      expect(page.setCookies).toEqual([]);
      await new Promise((r) => setTimeout(r, 300));
      expect(broken.output()).toMatch(/secret.*(is missing|at least 32 characters)/);
      if (secret) expect(broken.output()).not.toContain(secret);
    } finally {
      await broken.stop();
    }
  });
});

describe(item(6), () => {
  // Latin-1 strings carry the UTF-8 bytes of look-alike names onto the wire unchanged.
  const utf8 = (s: string) => Buffer.from(s, 'utf8').toString('latin1');

  it('control: the exact name is a session', async () => {
    expect(await sessionStatus(t.client, `${COOKIE}=${demo.value}`)).toBe('authenticated');
  });

  it('look-alike, prefixed, encoded, case-changed and smuggled names never inject a session', async () => {
    const v = demo.value;
    const names = [
      `__Host-${COOKIE}`,
      `__Secure-${COOKIE}`,
      'BFFKIT',
      'Bffkit',
      '%62ffkit',
      'bffkit%2E0',
      utf8('bffkіt'), // Cyrillic і
      utf8('ｂｆｆｋｉｔ'), // fullwidth
      '\u00a0bffkit', // NBSP (a Latin-1 byte)
      utf8('bffkit\u200b'), // zero-width space
      'bffkit.',
      'bffkit.x',
      'bffkit-',
      'xbffkit',
      'bffkitx',
    ];
    for (const name of names) {
      const r = await t.client.get('/api/auth/session', `${name}=${v}`);
      expect(r.json(), JSON.stringify(name)).toEqual({ status: 'unauthenticated' });
      expect((await t.client.get('/api/backend/notes', `${name}=${v}`)).status, JSON.stringify(name)).toBe(401);
    }
    for (const cookie of [`other=${COOKIE}=${v}`, `other="${COOKIE}=${v}"`, `${COOKIE}`, `=${v}`]) {
      expect((await t.client.get('/api/auth/session', cookie)).json(), cookie.slice(0, 30)).toEqual({ status: 'unauthenticated' });
    }
  });

  it('two sessions under the exact name are refused, not guessed between', async () => {
    const second = cookieAfter((await login(t.client, SECOND)).reply);
    const both = `${COOKIE}=${demo.value}; ${second}`;
    const reply = await expectAnonymous(t.client, both, 'two values');
    expect(clearedNames(reply)).toEqual([COOKIE]);
  });

  it('https mode reads only __Host-bffkit: an unprefixed or second value cannot override it', async () => {
    const headers = { origin: SECURE_ORIGIN };
    const demoSecure = await secure.client.json('/api/auth/login', DEMO, { headers });
    const secondSecure = await secure.client.json('/api/auth/login', SECOND, { headers });
    const d = setCookieValue(demoSecure, `__Host-${COOKIE}`)!;
    const s = setCookieValue(secondSecure, `__Host-${COOKIE}`)!;
    const who = async (cookie: string) => (await secure.client.get('/api/auth/session', cookie)).json<{ status: string; user?: { email: string } }>();
    expect((await who(`__Host-${COOKIE}=${d}`)).user?.email).toBe(DEMO.email);
    // The sibling-subdomain / plain-http injection: `sess=x; __Host-sess=y`.
    expect((await who(`${COOKIE}=${s}; __Host-${COOKIE}=${d}`)).user?.email).toBe(DEMO.email);
    expect((await who(`__Host-${COOKIE}=${d}; ${COOKIE}=${s}`)).user?.email).toBe(DEMO.email);
    expect(await who(`${COOKIE}=${d}`)).toEqual({ status: 'unauthenticated' });
    expect(await who(`__host-${COOKIE}=${d}`)).toEqual({ status: 'unauthenticated' });
    expect(await who(`__Host-${COOKIE}=${d}; __Host-${COOKIE}=${s}`)).toEqual({ status: 'unauthenticated' });
  });
});

describe(item(7), () => {
  /** A valid session too large for one cookie, due for renewal so the server re-seals it. */
  const bigSession = (): SessionData => ({
    ...demo.session,
    user: { ...demo.session.user, name: `Big ${'N'.repeat(6000)}` },
    lastActiveAt: nowSeconds() - 2 * 3600,
  });

  it('reads a chunked session and writes it back as chunks under 4096 bytes each, nothing lost', async () => {
    const big = bigSession();
    const sealed = sealSession(big);
    expect(sealed.length).toBeGreaterThan(4096);
    const reply = await t.client.get('/api/auth/session', chunked(sealed, 3).join('; '));
    expect(reply.json<{ user: { name: string } }>().user.name === big.user.name).toBe(true);
    const written = reply.setCookies.map(parse).filter((c) => c.name.startsWith(`${COOKIE}.`) && c.attrs.get('max-age') !== '0');
    expect(written.length).toBeGreaterThanOrEqual(2);
    for (const line of reply.setCookies) expect(Buffer.byteLength(line.split(';')[0]!)).toBeLessThanOrEqual(4096);
    for (const c of written) {
      expect(c.attrs.has('httponly')).toBe(true);
      expect(c.attrs.get('path')).toBe('/');
    }
    // What a browser holds afterwards re-assembles into the whole session.
    const reopened = openSession(setCookieValue(reply)!);
    expect(reopened?.user.name === big.user.name, 'the re-assembled session keeps the whole name').toBe(true);
    expect(await sessionStatus(t.client, cookieAfter(reply))).toBe('authenticated');
    // Chunks the new value no longer needs are deleted, never left for later re-assembly.
    const keep = new Set(written.map((c) => c.name));
    for (let i = 0; i < 3; i++) if (!keep.has(`${COOKIE}.${i}`)) expect(clearedNames(reply)).toContain(`${COOKIE}.${i}`);
  });

  it('a large session sent as one plain cookie is rewritten as chunks and the plain cookie deleted', async () => {
    const big = bigSession();
    const reply = await t.client.get('/api/auth/session', `${COOKIE}=${sealSession(big)}`);
    expect(reply.json<{ status: string }>().status).toBe('authenticated');
    expect(clearedNames(reply)).toContain(COOKIE);
    expect(openSession(setCookieValue(reply)!)?.user.name === big.user.name, 'nothing dropped').toBe(true);
  });
});

describe(item(8), () => {
  it('a login carrying an existing session gets a new session id; the old cookie is dead and its refresh token revoked', async () => {
    const first = await login(t.client);
    const old = openSession(setCookieValue(first.reply)!)!;
    const second = await login(t.client, DEMO, { cookie: first.cookie });
    const fresh = openSession(setCookieValue(second.reply)!)!;
    expect(fresh.id).not.toBe(old.id);
    expect(fresh.tokens.refreshToken).not.toBe(old.tokens.refreshToken);
    expect(await sessionStatus(t.client, second.cookie)).toBe('authenticated');
    await expectAnonymous(t.client, first.cookie, 'the replaced cookie');
    const refresh = await fetch(`${t.backend.url}/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refresh_token: old.tokens.refreshToken }),
    });
    expect(refresh.status).toBe(401);
  });

  it("a planted cookie (the attacker's own session) is replaced by the victim's fresh one", async () => {
    const attacker = await login(t.client, SECOND);
    const planted = openSession(setCookieValue(attacker.reply)!)!;
    const victim = await t.client.form('/api/auth/login', { ...DEMO, returnTo: '/profile' }, { cookie: attacker.cookie });
    expect(victim.status).toBe(303);
    const session = openSession(setCookieValue(victim)!)!;
    expect(session.id).not.toBe(planted.id);
    expect(session.user.email).toBe(DEMO.email);
    const me = (await t.client.get('/api/auth/session', cookieAfter(victim))).json<{ user: { email: string } }>();
    expect(me.user.email).toBe(DEMO.email);
  });

  it('garbage or chunk cookies present at login are all replaced or deleted', async () => {
    const reply = await t.client.json('/api/auth/login', DEMO, { cookie: `${COOKIE}.0=AAAA; ${COOKIE}.1=BBBB; ${COOKIE}=junk` });
    expect(reply.status).toBe(200);
    expect(clearedNames(reply).sort()).toEqual([`${COOKIE}.0`, `${COOKIE}.1`]);
    expect(setCookieValue(reply)).toBeTruthy();
    expect(await sessionStatus(t.client, cookieAfter(reply))).toBe('authenticated');
  });
});

describe(`server health (${items(1, 8)})`, () => {
  it('no request answered 500 and the app logged no unhandled error', () => {
    expectHealthy(t);
    expectHealthy(secure);
  });
});

/** A misconfigured app: `next start` with env that bffkit must refuse. Waits for any HTTP answer. */
async function startBrokenApp(env: Record<string, string>) {
  const port = await freePort();
  const url = `http://localhost:${port}`;
  const child = spawn(
    process.execPath,
    [join(REPO_ROOT, 'node_modules', 'next', 'dist', 'bin', 'next'), 'start', '-p', String(port), '-H', '127.0.0.1'],
    {
      cwd: APP_DIR,
      env: { ...baseEnv(), NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1', PORT: String(port), APP_URL: url, BACKEND_URL: t.backend.url, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const proc = track(child, 'broken-app');
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exited()) throw new Error(`broken app exited early:\n${proc.output()}`);
    const answered = await fetch(`${url}/favicon.ico`, { signal: AbortSignal.timeout(2_000) }).then(
      (r) => r.arrayBuffer().then(() => true),
      () => false,
    );
    if (answered) break;
    if (Date.now() > deadline) throw new Error(`broken app did not answer:\n${proc.output()}`);
    await new Promise((r) => setTimeout(r, 150));
  }
  const client = new Client(url);
  return {
    client,
    output: proc.output,
    async stop() {
      client.close();
      await proc.stop();
    },
  };
}
