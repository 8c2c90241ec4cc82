/**
 * A seeded fuzz run against the running example (backend + `next start`, default cookie mode): random
 * methods, paths with odd encodings (pages, /api/auth/*, /api/backend/*, /api/files/*, /_next/*),
 * garbage, tampered and valid session cookies, Origin / anti-forgery / Fetch Metadata variants,
 * Next's own headers (Next-Action with real and fake ids, RSC, router state tree), content types
 * (multipart with and without a boundary, garbage bodies) and bodies up to 100 kB.
 *
 * Bounded by count AND time (FUZZ_REQUESTS, default 30000; FUZZ_SECONDS, default 150), concurrency
 * FUZZ_CONCURRENCY (default 6). The seed is random unless FUZZ_SEED is set, and printed; request i
 * of a seed is always the same request (FUZZ_ONLY=i replays one alone).
 *
 * Asserts: no answer is a 5xx; no refused request (4xx) cleared or swapped a live session, no GET
 * ended one, and every live session still works at every checkpoint unless a request that succeeded
 * ended it (a well-formed logout); no session cookie or token appears in the app's log.
 */
import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reply } from './lib/client';
import { generateRequest, type FuzzContext, type FuzzRequest } from './lib/fuzz';
import { COOKIE, DEMO, SECOND, openSession, setCookieValue, tokensOf } from './lib/session';
import { login, startTarget, type Target } from './lib/stack';
import { items } from './items';

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) >>> 0 : randomInt(2 ** 32);
const MAX_REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 30_000);
const MAX_SECONDS = Number(process.env.FUZZ_SECONDS ?? 150);
const CONCURRENCY = Number(process.env.FUZZ_CONCURRENCY ?? 6);
const ONLY = process.env.FUZZ_ONLY === undefined ? undefined : Number(process.env.FUZZ_ONLY);
/** FUZZ_FROM=i starts the run at request i (with FUZZ_REQUESTS as the end): replays a stretch. */
const FROM = Number(process.env.FUZZ_FROM ?? 0);
/** FUZZ_TRACE=1 prints every exchange that carried a live session (status, session cookie change). */
/* FUZZ_APP_LOG=1 prints the end of the app's log after the run (what a 5xx logged). */
const TRACE = process.env.FUZZ_TRACE === '1';
/** Live sessions the fuzzer uses (and watches). */
const POOL = 4;
/** Requests between two checkpoints (in-flight drained, every live session asked at /api/auth/session). */
const CHECK_EVERY = 2_500;

let t: Target;

interface PoolEntry {
  /** Cookie header of the session family (`bffkit=…`, or chunks). */
  cookie: string;
  id: string;
  user: typeof DEMO | typeof SECOND;
  /** Every cookie value and token this entry ever had (none may appear in the log). */
  secrets: Set<string>;
  /** Set once a request ended it and a fresh login is replacing it. */
  replaced?: boolean;
  /** When the earliest request that successfully ended it was sent (performance.now()). */
  endedBySentAt?: number;
}
const pool: PoolEntry[] = [];
const retired: PoolEntry[] = [];

async function newEntry(user: typeof DEMO | typeof SECOND): Promise<PoolEntry> {
  const { cookie, reply } = await login(t.client, user);
  const value = setCookieValue(reply)!;
  const s = openSession(value)!;
  return { cookie, id: s.id, user, secrets: new Set([value, ...tokensOf(s)]) };
}

beforeAll(async () => {
  // 60 s access tokens: every live session refreshes (rotating its refresh token) every 30 s of the run.
  t = await startTarget({ accessTokenTtl: 60 });
  for (let k = 0; k < POOL; k++) pool.push(await newEntry(k % 2 ? SECOND : DEMO));
}, 240_000);

afterAll(async () => {
  await t?.stop();
});

/** The scraped facts the generator uses: real static chunk paths and real Server Action ids. */
async function context(): Promise<FuzzContext> {
  const home = await t.client.get('/', pool[0]!.cookie);
  const staticPaths = [...new Set(home.body.match(/\/_next\/static\/[^"'\s)]+/g) ?? [])].slice(0, 20);
  const sessions = await t.client.get('/sessions', pool[0]!.cookie);
  const actionIds = [...new Set([...sessions.body.matchAll(/\$ACTION_ID_([0-9a-f]{8,})/g)].map((m) => m[1]!))];
  return { origin: t.client.origin, poolSize: POOL, staticPaths, actionIds };
}

/** The session-family Set-Cookie lines of a reply: `{ cleared }` or the new value. */
function sessionCookieChange(reply: Reply): { cleared: boolean; value?: string } | null {
  const family = reply.setCookies.filter((l) => {
    const name = l.slice(0, l.indexOf('=')).trim();
    return name === COOKIE || name.startsWith(`${COOKIE}.`);
  });
  if (family.length === 0) return null;
  const value = setCookieValue(reply);
  return value ? { cleared: false, value } : { cleared: true };
}

/** The request guard's answer (proxy.ts refused it before anything ran). */
function isGuardRefusal(reply: Reply): boolean {
  return (reply.status === 400 || reply.status === 403) && /^\{"code":"(invalid_request|forbidden_origin)"/.test(reply.body);
}

/** Whether the request carried exactly a pool session (plus, at most, cookies outside its family). */
function carriesPoolSession(r: FuzzRequest): number | undefined {
  if (typeof r.cookie !== 'object') return undefined;
  const extra = r.cookie.extra;
  if (extra === 'tamper') return undefined;
  if (extra && /^bffkit(=|\.)/.test(extra)) return undefined;
  return r.cookie.pool;
}

function cookieHeader(r: FuzzRequest): string | undefined {
  if (r.cookie === undefined || typeof r.cookie === 'string') return r.cookie;
  const entry = pool[r.cookie.pool]!;
  if (r.cookie.extra === 'tamper') {
    const at = entry.cookie.length - 1 - (r.i % 20);
    const c = entry.cookie[at] === 'A' ? 'B' : 'A';
    return entry.cookie.slice(0, at) + c + entry.cookie.slice(at + 1);
  }
  return r.cookie.extra ? `${entry.cookie}; ${r.cookie.extra}` : entry.cookie;
}

interface Finding {
  i: number;
  what: string;
  request: string;
}

function describeRequest(r: FuzzRequest, cookie: string | undefined): string {
  const headers = Object.entries(r.headers).map(([k, v]) => `${k}: ${v.length > 80 ? `${v.slice(0, 80)}…` : v}`);
  const cookieNote = cookie === undefined ? 'no cookie' : `cookie ${typeof r.cookie === 'object' ? `pool#${r.cookie.pool}${r.cookie.extra ? `+${r.cookie.extra}` : ''}` : `${cookie.slice(0, 40)}…`}`;
  return `${r.method} ${r.path.length > 120 ? `${r.path.slice(0, 120)}…` : r.path} [${headers.join('; ')}] ${cookieNote}, body ${r.body?.length ?? 0} B`;
}

describe(`seeded fuzz (${items(4, 4)}, ${items(11, 11)}, ${items(13, 13)}, ${items(18, 18)}, ${items(21, 21)}, ${items(30, 30)})`, () => {
  it('answers every request without a 5xx and no refused request changes a live session', { timeout: (MAX_SECONDS + 180) * 1000 }, async () => {
    const ctx = await context();
    // The sessions page renders one form per session ("End session", endSessionAction), then "Sign
    // out everywhere" (signOutEverywhereAction): the last action id is the one that ends sessions.
    const signOutAction = ctx.actionIds.at(-1);
    console.log(
      `fuzz: seed ${SEED} (FUZZ_SEED=${SEED} to replay), up to ${MAX_REQUESTS} requests or ${MAX_SECONDS} s, concurrency ${CONCURRENCY}; ` +
        `${ctx.staticPaths.length} static paths and ${ctx.actionIds.length} Server Action ids scraped`,
    );
    const statuses = new Map<number, number>();
    const fiveXx = new Map<string, { count: number; first: Finding; bodies: Set<string> }>();
    const violations: Finding[] = [];
    /** Refused answers that cleared a live session: fine only if a successful end of it was already in flight. */
    const suspects: (Finding & { entry: PoolEntry; at: number })[] = [];
    const dropped: Finding[] = [];
    let legitEnds = 0;
    let rotations = 0;
    let sent = 0;
    let next = ONLY ?? FROM;
    const last = ONLY === undefined ? MAX_REQUESTS : ONLY + 1;
    const started = Date.now();
    const deadline = started + MAX_SECONDS * 1000;

    const handle = async (r: FuzzRequest) => {
      const cookie = cookieHeader(r);
      const poolIndex = carriesPoolSession(r);
      const entry = poolIndex === undefined ? undefined : pool[poolIndex];
      const sentAt = performance.now();
      const reply = await t.client.request(r.path, {
        method: r.method,
        headers: r.headers,
        ...(cookie !== undefined ? { cookie } : {}),
        ...(r.body !== undefined ? { body: r.body } : {}),
        timeoutMs: 20_000,
      });
      sent++;
      if (TRACE && typeof r.cookie === 'object' && poolIndex === undefined) {
        const c = sessionCookieChange(reply);
        console.log(`trace ${r.i} derived pool#${r.cookie.pool}+${r.cookie.extra} → ${reply.status} ${c ? (c.cleared ? 'CLEARED' : 'SET') : ''}: ${describeRequest(r, cookie)}`);
      }
      statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
      if (reply.status === 0 && dropped.length < 5) dropped.push({ i: r.i, what: 'no answer (connection closed or timed out)', request: describeRequest(r, cookie) });
      if (reply.status >= 500) {
        const tags = r.tags;
        const key = `${r.method === 'POST' ? 'POST' : tags.method} ${tags.path.split('+')[0]} type=${tags.type} body=${tags.body} next=${tags.next} → ${reply.status}`;
        const seen = fiveXx.get(key) ?? { count: 0, first: { i: r.i, what: `${reply.status}`, request: describeRequest(r, cookie) }, bodies: new Set<string>() };
        seen.count++;
        seen.bodies.add(reply.body.slice(0, 100));
        fiveXx.set(key, seen);
      }
      if (!entry) return; // not a live session
      // A call of the real "sign out everywhere" Server Action that the guard let through runs it,
      // whatever path it was posted to (Next resolves actions by id), and ends the session; the answer
      // for a path without a page is a 404 that need not clear the cookie. Allowed, not a refusal.
      const signsOut = r.headers['next-action'] === signOutAction || (r.body?.includes(`$ACTION_ID_${signOutAction}`) ?? false);
      if (signOutAction && signsOut && !isGuardRefusal(reply)) entry.endedBySentAt = Math.min(entry.endedBySentAt ?? Infinity, sentAt);
      const change = sessionCookieChange(reply);
      if (TRACE) console.log(`trace ${r.i} pool#${poolIndex} ${entry.id.slice(0, 6)} → ${reply.status} ${reply.body.slice(0, 60).replace(/\s+/g, ' ')} ${change ? (change.cleared ? 'CLEARED' : `set ${openSession(change.value!)?.id.slice(0, 6)}`) : ''}: ${describeRequest(r, cookie)}`);
      if (!change) return;
      const refused = reply.status >= 400;
      if (change.cleared) {
        if (refused || r.method === 'GET' || r.method === 'HEAD') {
          // A successful logout sent earlier may have ended the session before this request was
          // read (its answer can arrive later): judged at the end of the run.
          suspects.push({ i: r.i, what: `${reply.status} cleared a live session`, request: describeRequest(r, cookie), entry, at: performance.now() });
        } else {
          legitEnds++;
          entry.endedBySentAt = Math.min(entry.endedBySentAt ?? Infinity, sentAt);
        }
        if (entry.replaced) return;
        entry.replaced = true;
        retired.push(entry);
        pool[poolIndex!] = await newEntry(entry.user);
        return;
      }
      if (entry.replaced) return;
      const opened = openSession(change.value!);
      if (!opened || opened.id !== entry.id) {
        violations.push({ i: r.i, what: `${reply.status} replaced a live session with ${opened ? 'another session' : 'an unreadable cookie'}`, request: describeRequest(r, cookie) });
        return;
      }
      // Same session, new tokens or a rolling renewal: keep it, as a browser would.
      rotations++;
      entry.cookie = `${COOKIE}=${change.value}`;
      entry.secrets.add(change.value!);
      for (const token of tokensOf(opened)) entry.secrets.add(token);
    };

    const checkpoint = async () => {
      for (const [k, entry] of pool.entries()) {
        const r = await t.client.get('/api/auth/session', entry.cookie);
        const status = r.status === 200 ? r.json<{ status: string }>().status : `HTTP ${r.status}`;
        if (status !== 'authenticated') {
          if (entry.endedBySentAt === undefined) violations.push({ i: sent, what: `pool session ${k} no longer works (${status}) although no request that succeeded ended it`, request: '-' });
          entry.replaced = true;
          retired.push(entry);
          pool[k] = await newEntry(entry.user);
        }
      }
    };

    while (next < last && Date.now() < deadline) {
      const batchEnd = Math.min(last, next + CHECK_EVERY);
      const workers = Array.from({ length: CONCURRENCY }, async () => {
        while (next < batchEnd && Date.now() < deadline) await handle(generateRequest(SEED, next++, ctx));
      });
      await Promise.all(workers);
      await checkpoint();
    }
    const seconds = (Date.now() - started) / 1000;
    for (const s of suspects) {
      if (!(s.entry.endedBySentAt !== undefined && s.entry.endedBySentAt < s.at)) violations.push(s);
    }

    // No live session's cookie value or token may ever appear in the app's log.
    const output = t.app.output();
    const leaked = [...pool, ...retired].flatMap((e) => [...e.secrets]).filter((s) => s.length >= 16 && output.includes(s));

    const histogram = [...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ');
    console.log(
      `fuzz: ${sent} requests in ${seconds.toFixed(1)} s (${(sent / seconds).toFixed(0)} req/s, concurrency ${CONCURRENCY}), seed ${SEED}; ` +
        `statuses ${histogram}; ${rotations} same-session cookie renewals adopted, ${legitEnds} sessions ended by a successful request`,
    );
    for (const [key, v] of fiveXx) {
      console.log(`fuzz 5xx class: ${key}: ${v.count}× (first: request ${v.first.i}: ${v.first.request}; bodies: ${[...v.bodies].join(' | ')})`);
    }
    if (process.env.FUZZ_APP_LOG === '1') console.log(`fuzz: app log\n${output.slice(-4000)}`);
    for (const d of dropped) console.log(`fuzz: request ${d.i}: ${d.what}: ${d.request}`);
    for (const v of violations.slice(0, 20)) console.log(`fuzz session violation: request ${v.i}: ${v.what}: ${v.request}`);

    expect(sent).toBeGreaterThan(0);
    expect([...fiveXx.keys()], `5xx answers (seed ${SEED})`).toEqual([]);
    expect(violations.map((v) => `${v.i}: ${v.what}`), `session changes by refused requests (seed ${SEED})`).toEqual([]);
    expect(leaked.length, 'session cookies or tokens in the app log').toBe(0);
  });
});
