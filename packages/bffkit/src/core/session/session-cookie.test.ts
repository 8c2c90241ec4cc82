import { describe, expect, it } from 'vitest';
import { resolveConfig, type BffOptions } from '../config';
import { deriveKeyRing } from '../crypto/keys';
import { seal, sealJson, unseal } from '../crypto/seal';
import { serializeCookie } from '../http/cookie';
import { SessionCookie } from './session-cookie';
import { newSessionId } from './start';
import { chooseSessionStrategy } from './strategy';
import {
  APP,
  cookieHeaderFrom,
  fakeBackend,
  fakeClock,
  isClearing,
  memoryStore,
  OTHER_SECRET,
  recordingLogger,
  SECRET,
  setCookieName,
  START,
} from '../testing/support';
import { ONE_DAY, ONE_HOUR, SEVEN_DAYS } from '../time';
import type { SessionData } from '../types';

function cookieFor(extra: Partial<BffOptions> = {}) {
  const logger = recordingLogger();
  const config = resolveConfig({ secret: SECRET, baseUrl: APP, backend: fakeBackend(fakeClock()), logger, ...extra });
  const sessions = chooseSessionStrategy(config);
  return { cookie: new SessionCookie(config, sessions), sessions, config, logger };
}

function session(extra: Partial<SessionData> = {}): SessionData {
  return {
    id: newSessionId(),
    user: { id: 'u1', email: 'demo@example.com', name: 'Demo User' },
    tokens: { accessToken: 'access-secret', refreshToken: 'refresh-secret', expiresAt: START + 300, issuedAt: START },
    createdAt: START,
    lastActiveAt: START,
    ...extra,
  };
}

async function written(cookie: SessionCookie, s: SessionData, now = START, present: string[] = []) {
  const cookies = await cookie.write(s, present, now, 'create');
  if (!cookies) throw new Error('write refused');
  const lines = cookies.map(serializeCookie);
  return { lines, header: cookieHeaderFrom(lines) };
}

describe('SessionCookie: write and read', () => {
  it('round-trips a session', async () => {
    const { cookie } = cookieFor();
    const s = session();
    const { header } = await written(cookie, s);
    expect((await cookie.read(header, START)).session).toEqual(s);
  });

  it('sets HttpOnly, Path=/, SameSite=Lax and a Max-Age of the remaining session life', async () => {
    const { cookie } = cookieFor();
    const { lines } = await written(cookie, session());
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^bffkit=[A-Za-z0-9_-]+; Path=\/; Max-Age=86400; HttpOnly; SameSite=Lax$/);
  });

  it('uses __Host- and Secure with an https origin, and SameSite=Strict when configured', async () => {
    const { cookie } = cookieFor({ baseUrl: 'https://app.example.com', cookie: { sameSite: 'strict' } });
    const { lines } = await written(cookie, session());
    expect(lines[0]).toMatch(/^__Host-bffkit=.*; Path=\/; .*HttpOnly; Secure; SameSite=Strict$/);
  });

  it('never lets Max-Age pass the absolute timeout', async () => {
    const { cookie } = cookieFor();
    const now = START + SEVEN_DAYS - 100;
    const { lines } = await written(cookie, session({ lastActiveAt: now }), now);
    expect(lines[0]).toContain('Max-Age=100;');
  });

  it('writes whole-second Max-Age values even with fractional timeouts or clocks', async () => {
    const { cookie } = cookieFor({ session: { idleTimeout: 90.5, absoluteTimeout: 1000.25 } });
    const { lines } = await written(cookie, session({ createdAt: START + 0.3, lastActiveAt: START + 0.3 }), START + 0.7);
    expect(lines[0]).toMatch(/Max-Age=90;/);
  });

  it('keeps no token in plain text in the cookie', async () => {
    const { cookie } = cookieFor();
    const { lines } = await written(cookie, session());
    expect(lines.join('\n')).not.toMatch(/access-secret|refresh-secret|demo@example\.com/);
  });

  it('chunks a session too large for one cookie and reads it back', async () => {
    const { cookie } = cookieFor();
    const big = session({ user: { id: 'u1', bio: 'x'.repeat(6000) } });
    const { lines, header } = await written(cookie, big);
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.map(setCookieName)).toEqual(lines.map((_, i) => `bffkit.${i}`));
    expect((await cookie.read(header, START)).session).toEqual(big);
  });

  it('clears stale chunks when a chunked session shrinks back to one cookie', async () => {
    const { cookie } = cookieFor();
    const { lines } = await written(cookie, session(), START, ['bffkit.0', 'bffkit.1']);
    expect(lines.filter((l) => !isClearing(l)).map(setCookieName)).toEqual(['bffkit']);
    expect(lines.filter(isClearing).map(setCookieName)).toEqual(['bffkit.0', 'bffkit.1']);
  });

  it('reports the family names present so they can be cleared', async () => {
    const { cookie } = cookieFor();
    const { header } = await written(cookie, session());
    expect((await cookie.read(`other=1; ${header}`, START)).presentNames).toEqual(['bffkit']);
  });
});

describe('SessionCookie: bad cookies are anonymous, never errors', () => {
  it('answers no session and nothing to clear without a cookie', async () => {
    const { cookie } = cookieFor();
    expect(await cookie.read(null, START)).toEqual({ session: null, presentNames: [], invalid: false });
    expect(await cookie.read('other=1', START)).toEqual({ session: null, presentNames: [], invalid: false });
  });

  it('treats a tampered cookie as anonymous and asks to clear it', async () => {
    const { cookie } = cookieFor();
    const { header } = await written(cookie, session());
    const value = header.slice('bffkit='.length);
    const flipped = value.slice(0, 20) + (value[20] === 'A' ? 'B' : 'A') + value.slice(21);
    expect(await cookie.read(`bffkit=${flipped}`, START)).toEqual({ session: null, presentNames: ['bffkit'], invalid: true });
    expect((await cookie.read(`bffkit=${value.slice(0, -5)}`, START)).invalid).toBe(true);
  });

  it.each(['garbage', '', '%00%ff', 'a'.repeat(8192), '"quoted"'])('treats the value %j as anonymous', async (value) => {
    const { cookie } = cookieFor();
    const read = await cookie.read(`bffkit=${value}`, START);
    expect(read.session).toBeNull();
    expect(read.invalid).toBe(true);
  });

  it('logs one line per rejected cookie, never its value', async () => {
    const { cookie, logger } = cookieFor();
    const value = (await written(cookie, session())).header.slice('bffkit='.length);
    const bad = `${value.slice(0, -4)}AAAA`;
    const before = logger.lines.length; // the plain-http start-up warning
    await cookie.read(`bffkit=${bad}`, START);
    const logged = logger.lines.slice(before);
    expect(logged).toHaveLength(1);
    expect(logged[0]!.message).not.toContain(bad.slice(0, 16));
  });

  it('treats a cookie sealed with another secret as anonymous', async () => {
    const { header } = await written(cookieFor({ secret: OTHER_SECRET }).cookie, session());
    const read = await cookieFor().cookie.read(header, START);
    expect(read).toMatchObject({ session: null, invalid: true });
  });

  it('treats a value sealed for another purpose as anonymous', async () => {
    const { cookie } = cookieFor();
    const genuine = (await written(cookie, session())).header.slice('bffkit='.length);
    const plaintext = unseal(deriveKeyRing([SECRET], 'session'), genuine);
    expect(plaintext).not.toBeNull();
    for (const purpose of ['successor', 'session-id', 'transaction', 'handoff'] as const) {
      const foreign = seal(deriveKeyRing([SECRET], purpose), plaintext!);
      expect((await cookie.read(`bffkit=${foreign}`, START)).session).toBeNull();
    }
  });

  it('treats duplicate cookie names as anonymous, even when both values are valid', async () => {
    const { cookie, logger } = cookieFor();
    const a = (await written(cookie, session())).header;
    const b = (await written(cookie, session())).header;
    const read = await cookie.read(`${a}; ${b}`, START);
    expect(read).toEqual({ session: null, presentNames: ['bffkit'], invalid: true });
    expect(logger.lines.some((l) => l.level === 'warn')).toBe(true);
  });

  it('reads only the exact cookie name', async () => {
    const { cookie } = cookieFor();
    const value = (await written(cookie, session())).header.slice('bffkit='.length);
    for (const name of ['Bffkit', 'bffkit.', '__Host-bffkit', 'bffkit%20', 'bff\u212Ait', 'x-bffkit']) {
      expect((await cookie.read(`${name}=${value}`, START)).session).toBeNull();
    }
  });

  it('treats a chunk set with a missing chunk as anonymous', async () => {
    const { cookie } = cookieFor();
    const { lines } = await written(cookie, session({ user: { id: 'u1', bio: 'x'.repeat(6000) } }));
    const onlyFirst = cookieHeaderFrom(lines.slice(0, 1));
    expect(await cookie.read(onlyFirst, START)).toMatchObject({ session: null, invalid: true });
  });
});

describe('SessionCookie: lifetimes and ending', () => {
  it('treats an idle session as anonymous and asks to clear it', async () => {
    const { cookie } = cookieFor();
    const { header } = await written(cookie, session());
    expect((await cookie.read(header, START + ONE_DAY - 1)).session).not.toBeNull();
    expect(await cookie.read(header, START + ONE_DAY)).toMatchObject({ session: null, invalid: true });
  });

  it('treats a session past its absolute timeout as anonymous even with recent activity', async () => {
    const { cookie } = cookieFor();
    const { header } = await written(cookie, session({ lastActiveAt: START + SEVEN_DAYS - ONE_HOUR }), START + SEVEN_DAYS - ONE_HOUR);
    expect(await cookie.read(header, START + SEVEN_DAYS)).toMatchObject({ session: null, invalid: true });
  });

  it('treats an ended session as anonymous and refuses an update for it', async () => {
    const { cookie, sessions } = cookieFor();
    const s = session();
    const { header } = await written(cookie, s);
    await sessions.end(s, START);
    expect(await cookie.read(header, START + 1)).toMatchObject({ session: null, invalid: true });
    expect(await cookie.write({ ...s, lastActiveAt: START + 10 }, ['bffkit'], START + 10, 'update')).toBeNull();
  });

  it('clears with Max-Age=0 and the same name and path', () => {
    const { cookie } = cookieFor();
    const lines = cookie.clear(['bffkit.0', 'bffkit.1']).map(serializeCookie);
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l).toMatch(/^bffkit\.[01]=; Path=\/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax$/);
    expect(cookie.clear([]).map(setCookieName)).toEqual(['bffkit']);
  });
});

describe('SessionCookie: secret rotation', () => {
  it('reads cookies of the old secret when the new one is listed first, and seals with the new one', async () => {
    const old = cookieFor({ secret: SECRET }).cookie;
    const rotated = cookieFor({ secret: [OTHER_SECRET, SECRET] }).cookie;
    const newOnly = cookieFor({ secret: OTHER_SECRET }).cookie;
    const s = session();
    const oldHeader = (await written(old, s)).header;
    expect((await rotated.read(oldHeader, START)).session).toEqual(s);
    const newHeader = (await written(rotated, s)).header;
    expect((await newOnly.read(newHeader, START)).session).toEqual(s);
    expect((await newOnly.read(oldHeader, START)).session).toBeNull();
  });
});

describe('SessionCookie: store mode', () => {
  it('puts only a sealed id in the cookie and the session in the store', async () => {
    const store = memoryStore();
    const { cookie } = cookieFor({ session: { store } });
    const s = session({ user: { id: 'u1', bio: 'x'.repeat(6000) } });
    const { lines, header } = await written(cookie, s);
    expect(lines).toHaveLength(1);
    expect(header.length).toBeLessThan(200);
    expect(store.sessions.get(s.id)).toEqual(s);
    expect((await cookie.read(header, START)).session).toEqual(s);
  });

  it('treats a deleted session as anonymous and refuses to resurrect it with an update', async () => {
    const store = memoryStore();
    const { cookie, sessions } = cookieFor({ session: { store } });
    const s = session();
    const { header } = await written(cookie, s);
    await sessions.end(s, START);
    expect((await cookie.read(header, START)).session).toBeNull();
    expect(await cookie.write(s, ['bffkit'], START, 'update')).toBeNull();
    expect(store.sessions.size).toBe(0);
  });

  it("still reads the first release's store cookie (a sealed JSON id), and writes the compact one", async () => {
    const store = memoryStore();
    const { cookie } = cookieFor({ session: { store } });
    const s = session();
    const { lines } = await written(cookie, s);
    const legacy = `bffkit=${sealJson(deriveKeyRing([SECRET], 'session-id'), { v: 1, i: s.id })}`;
    expect((await cookie.read(legacy, START)).session).toEqual(s);
    // Format byte + the 22-character id: 13 bytes less than the JSON, so ~17 characters less on the wire.
    expect(lines[0]!.split(';')[0]!.length).toBeLessThan(legacy.length - 10);
  });

  it('never accepts a stateless session cookie as a store id (separate key purpose)', async () => {
    const stateless = (await written(cookieFor().cookie, session())).header;
    const { cookie } = cookieFor({ session: { store: memoryStore() } });
    expect(await cookie.read(stateless, START)).toMatchObject({ session: null, invalid: true });
  });

  it('throws store_unavailable when the store is down (a transient error, not "signed out")', async () => {
    const store = memoryStore();
    const { cookie } = cookieFor({ session: { store } });
    const { header } = await written(cookie, session());
    store.down = true;
    await expect(cookie.read(header, START)).rejects.toMatchObject({ code: 'store_unavailable' });
  });
});
