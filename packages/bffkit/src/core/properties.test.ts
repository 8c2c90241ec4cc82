/**
 * Property-based tests (fast-check) of the properties the security suite attacks over HTTP
 * (docs/security.md 4, 6, 13, 17, 18, 28, 30), for inputs no hand-written list covers: arbitrary input
 * never throws out of the library, never yields a session, never a foreign host, never a path
 * outside the allowed prefixes. Complements the per-module properties in return-to, seal, cookie,
 * chunks and forward/path tests, which check the building blocks one by one.
 */
import fc from 'fast-check';
import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { clientAddress } from './http/client-ip';
import { checkCsrf } from './http/csrf';
import { buildUpstreamUrl, resolveUpstreamPath } from './forward/path';
import { resolveUpstream } from './forward/upstream';
import { safeReturnTo } from './http/return-to';
import { decodeSession, fromWire } from './session/codec';
import { APP, DEMO, jsonPost, login, memoryStore, testBff } from './testing/support';

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** Cookie-header-ish strings: mostly the characters that matter to the parser. */
const cookieText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: fc.constantFrom(';', '=', ' ', '"', '.', '0', '1', '2', 'b', 'f', 'k', 'i', 't', '_', '-', 'A', '%'), maxLength: 200 }),
  fc.string({ unit: fc.constantFrom(...B64URL), maxLength: 600 }).map((v) => `bffkit=${v}`),
);

describe('session cookies (docs/security.md 4 and 6)', () => {
  it('an arbitrary Cookie header never throws and never yields a session (cookie mode)', async () => {
    const { bff } = testBff();
    await fc.assert(
      fc.asyncProperty(cookieText, async (header) => {
        expect(await bff.readSession(header)).toEqual({ status: 'unauthenticated' });
      }),
      { numRuns: 1500 },
    );
  });

  it('an arbitrary Cookie header never throws and never yields a session (store mode)', async () => {
    const { bff } = testBff({ session: { store: memoryStore() } });
    await login(bff); // the store is not empty
    await fc.assert(
      fc.asyncProperty(cookieText, async (header) => {
        expect(await bff.readSession(header)).toEqual({ status: 'unauthenticated' });
      }),
      { numRuns: 1000 },
    );
  });

  it('any single-character change of a real session cookie is anonymous', async () => {
    const { bff } = testBff();
    const { cookie } = await login(bff);
    const value = cookie.slice('bffkit='.length);
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: value.length - 1 }), fc.constantFrom(...B64URL), async (i, ch) => {
        fc.pre(value[i] !== ch);
        const forged = `bffkit=${value.slice(0, i)}${ch}${value.slice(i + 1)}`;
        expect((await bff.readSession(forged)).status).toBe('unauthenticated');
      }),
      { numRuns: 500 },
    );
  });

  it('a real session split into chunks is read only when the chunk set is exactly name.0 … name.k-1', async () => {
    const { bff } = testBff();
    const { cookie } = await login(bff);
    const value = cookie.slice('bffkit='.length);
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 4 }),
        fc.array(fc.integer({ min: -1, max: 5 }), { minLength: 1, maxLength: 6 }),
        async (k, indexes) => {
          const size = Math.ceil(value.length / k);
          const parts = Array.from({ length: k }, (_, i) => value.slice(i * size, (i + 1) * size));
          // -1 stands for the plain cookie; other indexes name chunks (out-of-range ones carry junk).
          const header = indexes.map((i) => (i < 0 ? `bffkit=${value}` : `bffkit.${i}=${parts[i] ?? 'AAAA'}`)).join('; ');
          const canonical = indexes.length === k && [...indexes].sort().every((x, i) => x === i) && parts.every((p) => p.length > 0);
          const plainOnly = indexes.length === 1 && indexes[0] === -1;
          const status = (await bff.readSession(header)).status;
          expect(status).toBe(canonical || plainOnly ? 'authenticated' : 'unauthenticated');
          if (status === 'authenticated') accepted++;
        },
      ),
      { numRuns: 400, examples: [[2, [0, 1]], [3, [2, 0, 1]], [2, [-1]], [2, [0, 1, 1]]] },
    );
    expect(accepted, 'the property also saw valid chunk sets').toBeGreaterThan(0);
  });

  it('the session decoders never throw on arbitrary bytes or JSON', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        decodeSession(bytes);
        decodeSession(Uint8Array.from([2, ...bytes]));
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        fromWire(v);
        fromWire({ v: 1, i: 'x', a: 'y', e: 1, t: 1, c: 1, l: 1, u: v });
      }),
      { numRuns: 1000 },
    );
  });
});

describe('the auth routes (docs/security.md 13, 14, 30)', () => {
  const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'post', 'PROPFIND');
  const action = fc.oneof(fc.constantFrom('login', 'logout', 'session', 'handoff', '', 'login/', 'LOGIN', '../login', '%6cogin'), fc.string({ maxLength: 20 }));
  const type = fc.oneof(
    fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data', 'application/json; charset=utf-8', ''),
    fc.string({ maxLength: 30 }),
  );
  const body = fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc.record({ email: fc.oneof(fc.constant(DEMO.email), fc.string()), password: fc.string({ maxLength: 40 }), returnTo: fc.string() }).map((v) => JSON.stringify(v)),
  );
  const origin = fc.oneof(fc.constant(APP), fc.constant(undefined), fc.constantFrom('null', 'http://evil.example', `${APP}.evil.example`), fc.string({ maxLength: 30 }));
  const site = fc.constantFrom(undefined, 'same-origin', 'same-site', 'cross-site', 'none', 'x');

  it('arbitrary requests never throw, never answer 500, and never sign anyone in without the password', async () => {
    const { bff } = testBff();
    await fc.assert(
      fc.asyncProperty(method, action, type, body, origin, site, fc.boolean(), async (m, a, t, b, o, s, csrf) => {
        const headers = new Headers();
        if (t) headers.set('content-type', t);
        if (o !== undefined) headers.set('origin', o.replace(/[\r\n\0]/g, ''));
        if (s !== undefined) headers.set('sec-fetch-site', s);
        if (csrf) headers.set('x-csrf', '1');
        let url: URL;
        try {
          url = new URL(`/api/auth/${a}`, APP);
        } catch {
          return;
        }
        const hasBody = !['GET', 'HEAD'].includes(m.toUpperCase());
        const response = await bff.handleAuth(new Request(url, { method: m, headers, ...(hasBody ? { body: b } : {}) }));
        expect(response.status).not.toBe(500);
        const setSession = response.headers.getSetCookie().filter((l) => /^bffkit(\.\d+)?=[^;]/.test(l));
        // The random password is never the demo password, so no session can come out.
        if (!b.includes(DEMO.password)) expect(setSession).toEqual([]);
        if (response.headers.get('content-type')?.startsWith('application/json')) {
          const json = (await response.json()) as Record<string, unknown>;
          if ('code' in json) expect(Object.keys(json).sort()).toEqual(['code', 'message']);
        }
      }),
      { numRuns: 600 },
    );
  });

  it('checkCsrf never throws and passes only same-origin requests (plus the header in header mode)', () => {
    const opts = { headerName: 'x-csrf', headerValue: '1', appOrigin: APP };
    fc.assert(
      fc.property(origin, site, fc.option(fc.string({ maxLength: 5 })), fc.constantFrom('header' as const, 'form' as const), (o, s, h, mode) => {
        const headers = new Headers();
        if (o !== undefined) headers.set('origin', o.replace(/[\r\n\0]/g, ''));
        if (s !== undefined) headers.set('sec-fetch-site', s);
        if (h !== null) headers.set('x-csrf', h.replace(/[\r\n\0]/g, ''));
        const result = checkCsrf(new Request(`${APP}/api/auth/logout`, { method: 'POST', headers }), opts, mode);
        if (result.ok) {
          expect(s === undefined || s === 'same-origin' || s === 'none').toBe(true);
          if (o !== undefined) expect(headers.get('origin')!.toLowerCase()).toBe(APP);
          if (mode === 'form') expect(headers.get('origin')).not.toBeNull();
          if (mode === 'header') expect(headers.get('x-csrf')).toBe('1');
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('forwarding paths (docs/security.md 18)', () => {
  const upstream = resolveUpstream('api', {
    url: 'http://127.0.0.1:4000/v1',
    mount: '/api/backend',
    allow: [
      { path: '/notes', methods: ['GET', 'POST', 'PATCH', 'DELETE'] },
      { path: '/auth/me', methods: ['GET'] },
    ],
  });
  const piece = fc.constantFrom(
    'notes', 'auth', 'me', '1', '..', '.', '%2e%2e', '%2E.', '.%2e', '%2f', '%2F', '%5c', '\\', '%252e%252e', '%25', '%00', '%c0%ae',
    '%ef%bc%8e%ef%bc%8e', '．．', '..;', ';', '@evil.example', 'evil.example:80', 'http:', '//', '', '%20', ' ', '?', '#', 'a%2fb', '~', '%7e',
  );
  // Mostly behind an allowed prefix, where an escape would matter.
  const attack = fc
    .tuple(fc.constantFrom('/notes', '/notes/1', '/auth/me', ''), fc.array(piece, { maxLength: 6 }))
    .map(([prefix, xs]) => `${prefix}/${xs.join('/')}`);
  const anything = fc.oneof(
    { weight: 4, arbitrary: attack },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }) },
    { weight: 1, arbitrary: fc.webPath().map((p) => `/notes${p}`) },
    { weight: 1, arbitrary: fc.webUrl() },
  );

  it('never throws, and an accepted path stays on the upstream, under an allowed prefix, without dot segments', () => {
    let accepted = 0;
    fc.assert(
      fc.property(anything, fc.constantFrom('GET', 'GET', 'POST', 'DELETE', 'TRACE', 'get'), (raw, m) => {
        const check = resolveUpstreamPath(raw, upstream, m);
        if (!check.ok) return;
        accepted++;
        expect(check.path === '/notes' || check.path.startsWith('/notes/') || check.path === '/auth/me' || check.path.startsWith('/auth/me/')).toBe(true);
        const url = buildUpstreamUrl(upstream, check);
        expect(url.origin).toBe('http://127.0.0.1:4000');
        expect(url.pathname.startsWith('/v1/notes') || url.pathname.startsWith('/v1/auth/me')).toBe(true);
        for (const segment of check.path.split('/')) {
          const once = decodeURIComponent(segment);
          expect(once).not.toMatch(/^[.\s]+$/);
          expect(once).not.toMatch(/[/\\]/);
        }
        // What the upstream's own URL parser makes of it is still the same path.
        expect(new URL(url.href).pathname).toBe(url.pathname);
      }),
      { numRuns: 5000 },
    );
    expect(accepted, 'many generated paths were accepted').toBeGreaterThan(500);
  });
});

describe('returnTo (docs/security.md 17)', () => {
  const piece = fc.constantFrom(
    '/', '//', '\\', '/\\', '%2f', '%2F', '%5c', '%09', '%0a', '%0d', '%00', '\t', '\n', ' ', '%20', 'evil.example', '@', ':', 'http:', 'https:',
    'javascript:', '.', '..', '%2e', '%252f', '%25', '?', '#', '\u3002', '\uff0f', '\u2215', 'notes', 'a',
  );
  const attack = fc.array(piece, { maxLength: 8 }).map((xs) => xs.join(''));

  it('an attack grammar never throws and never leaves the origin, even after further decoding', () => {
    const origin = 'https://app.example';
    fc.assert(
      fc.property(attack, (input) => {
        const out = safeReturnTo(input, '/home');
        expect(new URL(out, origin).origin).toBe(origin);
        let layer = out;
        for (let i = 0; i < 3 && layer.includes('%'); i++) {
          try {
            layer = decodeURIComponent(layer);
          } catch {
            break;
          }
          // A downstream that decodes once more must still see a path, not '//host' or '/\host'.
          expect(/^\/(?![/\\])/.test(layer.replace(/[\t\n\r]/g, ''))).toBe(true);
        }
      }),
      { numRuns: 10_000 },
    );
  });
});

describe('client address (docs/security.md 28)', () => {
  it('never throws; yields an IP address or unknown; without trustProxy ignores X-Forwarded-For', () => {
    const xff = fc.oneof(fc.string({ maxLength: 60 }), fc.array(fc.oneof(fc.ipV4(), fc.ipV6(), fc.string({ maxLength: 10 })), { maxLength: 5 }).map((xs) => xs.join(', ')));
    fc.assert(
      fc.property(xff, fc.constantFrom(false, true, 0, 1, 2, 3), (header, trustProxy) => {
        const request = new Request(APP, { headers: { 'x-forwarded-for': header.replace(/[\r\n\0]/g, '') } });
        const address = clientAddress(request, { trustProxy });
        expect(address === 'unknown' || isIP(address) !== 0).toBe(true);
        if (trustProxy === false || trustProxy === 0) expect(address).toBe('unknown');
      }),
      { numRuns: 3000 },
    );
  });

  it('login requests from any spoofed X-Forwarded-For still count against the account', async () => {
    const { bff } = testBff({ loginRateLimit: { maxPerAccount: 3 } });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.ipV4(), { minLength: 4, maxLength: 4 }), async (addresses) => {
        const email = `acct-${Math.random()}@example.com`;
        const statuses: number[] = [];
        for (const a of addresses) {
          const r = await bff.handleAuth(jsonPost('/api/auth/login', { email, password: 'x' }, { headers: { 'x-forwarded-for': a } }));
          statuses.push(r.status);
        }
        expect(statuses).toEqual([401, 401, 401, 429]);
      }),
      { numRuns: 50 },
    );
  });
});
