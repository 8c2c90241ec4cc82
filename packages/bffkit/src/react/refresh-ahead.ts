import { useEffect } from 'react';
import { parseClientSession, requestSession } from './session-api';
import type { ClientSession, CsrfHeader } from './types';

/**
 * Renewal ahead of expiry, in the browser (docs/multi-instance.md). Without a shared refresh
 * coordinator the server gives every session a `refreshAt` (server clock, epoch ms), a little before
 * its own refresh would be due. This module renews the session then, through one
 * `POST {basePath}/session` at a time across every tab of the origin (Web Locks), so that app
 * instances which share nothing never see the same refresh token twice:
 * - a timer at `refreshAt` (on the local clock, corrected by the server's `Date` header when the two
 *   disagree by more than a second and a half);
 * - when the page comes back (visible again, `pageshow`, `online`) after that time: a wake from sleep;
 * - before any `bffFetch` once that time has passed, so the calls a page makes when it wakes wait for
 *   the renewal instead of racing to two instances with the same expired token.
 * One schedule per tab (module state), started by `SessionProvider`; without a provider, or with a
 * shared coordinator (no `refreshAt`), nothing here does anything.
 */

const LOCK_NAME = 'bffkit:session-renewal';
/** Fire this long after `refreshAt`: the server's clock counts whole seconds. */
const AFTER_MS = 300;
/** At least this long between two renewals of one tab: a clock far off must not make it loop. */
const MIN_GAP_MS = 2_000;
/** How long a renewal, or the wait for another tab's, may take before calls go on without it. */
const RENEW_TIMEOUT_MS = 10_000;
/** The server's `Date` header counts whole seconds: a smaller difference is noise. */
const OFFSET_NOISE_MS = 1_500;
/** setTimeout's largest delay. */
const MAX_DELAY_MS = 2_147_483_647;

/** What the provider hands over: where the route is, its header, and how it takes in an answer. */
interface Client {
  basePath: string;
  csrf: CsrfHeader;
  /** The provider's refetch: asks the server (through {@link sessionNow}) and adopts the answer. */
  refetch(): Promise<void>;
}

/** Server epoch ms from which the current session should be renewed; null: nothing to renew. */
let refreshAt: number | null = null;
/** Server clock minus local clock, ms. */
let offset = 0;
let client: Client | null = null;
let timer: ReturnType<typeof setTimeout> | undefined;
let inflight: Promise<ClientSession | null> | null = null;
let lastRenewal = Number.NEGATIVE_INFINITY;

/** Local epoch ms at which this tab renews, or null. */
function dueAt(): number | null {
  if (refreshAt === null || client === null) return null;
  return Math.max(refreshAt - offset + AFTER_MS, lastRenewal + MIN_GAP_MS);
}

function isDue(): boolean {
  const due = dueAt();
  return due !== null && Date.now() >= due;
}

function arm(): void {
  clearTimeout(timer);
  const due = dueAt();
  if (due === null) return;
  timer = setTimeout(() => void client?.refetch(), Math.min(MAX_DELAY_MS, Math.max(0, due - Date.now())));
}

/**
 * Records the session the provider now shows (its `refreshAt`, if any) and re-arms the timer.
 * Browser only: during server rendering this module is shared by every request.
 *
 * @example
 * noteSession(await requestSession('/api/auth'));
 */
export function noteSession(session: ClientSession | null | undefined): void {
  if (typeof window === 'undefined') return;
  const at = session?.status === 'authenticated' ? session.refreshAt : undefined;
  refreshAt = typeof at === 'number' && Number.isFinite(at) ? at : null;
  arm();
}

/**
 * What the provider asks the server when it refetches: while the session is renewed from here, the
 * one-at-a-time renewal (which renews only when due, and otherwise just answers), else `GET /session`.
 *
 * @example
 * const next = await sessionNow('/api/auth');
 */
export function sessionNow(basePath: string): Promise<ClientSession | null> {
  return refreshAt !== null && client !== null ? renew() : requestSession(basePath);
}

/**
 * Waits, before a `bffFetch`, for the renewal when its time has passed (after a sleep, or a timer
 * that fired late). Resolves at once otherwise; never rejects.
 *
 * @example
 * await beforeRequest();
 */
export async function beforeRequest(): Promise<void> {
  if (isDue()) await client?.refetch().catch(() => undefined);
}

/**
 * After a 401 `session_expired`: whether the session is in fact still live. Without a shared
 * coordinator, an instance that lost a refresh race answers 401 while another response has already
 * renewed the cookie; one renewal request (in turn with every tab) tells. False when this tab does not
 * renew sessions, or the answer is not "authenticated".
 *
 * @example
 * if (await stillSignedIn()) return retry();
 */
export async function stillSignedIn(): Promise<boolean> {
  if (refreshAt === null || client === null) return false;
  // The server refreshes now (`check=expired`): a session the backend ended is then cleared at once,
  // one that another response renewed comes back live.
  return (await renew('expired'))?.status === 'authenticated';
}

/** One renewal per tab at a time, and one across tabs (the lock). */
function renew(check?: 'expired'): Promise<ClientSession | null> {
  const c = client;
  if (!c) return Promise.resolve(null);
  if (check) return withLock(() => post(c, check));
  return (inflight ??= withLock(() => post(c)).finally(() => {
    inflight = null;
  }));
}

async function post(c: Client, check?: 'expired'): Promise<ClientSession | null> {
  lastRenewal = Date.now();
  let next: ClientSession | null = null;
  try {
    const sent = Date.now();
    const response = await fetch(`${c.basePath}/session${check ? `?check=${check}` : ''}`, {
      method: 'POST',
      headers: { accept: 'application/json', [c.csrf.name]: c.csrf.value },
      credentials: 'same-origin',
      cache: 'no-store',
      signal: AbortSignal.timeout(RENEW_TIMEOUT_MS),
    });
    noteOffset(response.headers.get('date'), sent, Date.now());
    if (response.status === 401) next = { status: 'unauthenticated' };
    else if (response.ok) next = parseClientSession(await response.json());
  } catch {
    // Offline, timed out: unknown. The server still refreshes when its own time comes.
  }
  if (next) noteSession(next);
  else arm();
  return next;
}

function noteOffset(date: string | null, sent: number, received: number): void {
  const server = date ? Date.parse(date) : Number.NaN;
  if (!Number.isFinite(server)) return;
  // The header is the second the answer was made: its middle, against the middle of the round trip.
  const estimate = server + 500 - (sent + received) / 2;
  offset = Math.abs(estimate) > OFFSET_NOISE_MS ? estimate : 0;
}

/** Runs `run` holding the origin-wide lock; without Web Locks (or when waiting takes too long), without it. */
function withLock<T>(run: () => Promise<T>): Promise<T> {
  const locks = typeof navigator === 'undefined' ? undefined : navigator.locks;
  if (!locks?.request) return run();
  let started = false;
  const guarded = () => {
    started = true;
    return run();
  };
  const held = locks.request(LOCK_NAME, { signal: AbortSignal.timeout(RENEW_TIMEOUT_MS) }, guarded) as Promise<T>;
  return held.catch((error: unknown) => {
    if (started) throw error;
    return run();
  });
}

/**
 * Starts this tab's renewal schedule for a provider: `refetch` is how the provider asks the server
 * and adopts the answer (it goes through {@link sessionNow}). Also renews on a wake from sleep.
 *
 * @example
 * useRefreshAhead(refetch, state.status, basePath, csrfHeader);
 */
export function useRefreshAhead(refetch: () => Promise<void>, status: string, basePath: string, csrf: CsrfHeader): void {
  useEffect(() => {
    const mine: Client = { basePath, csrf: { name: csrf.name, value: csrf.value }, refetch };
    client = mine;
    arm();
    const wake = () => {
      if (document.visibilityState !== 'hidden' && isDue()) void refetch();
    };
    document.addEventListener('visibilitychange', wake);
    window.addEventListener('pageshow', wake);
    window.addEventListener('online', wake);
    return () => {
      document.removeEventListener('visibilitychange', wake);
      window.removeEventListener('pageshow', wake);
      window.removeEventListener('online', wake);
      if (client === mine) {
        client = null;
        clearTimeout(timer);
      }
    };
  }, [refetch, basePath, csrf.name, csrf.value]);
  useEffect(() => {
    if (status === 'unauthenticated') noteSession(null);
  }, [status]);
}

/** Test hook: forget the schedule. Not exported from the package. */
export function resetRefreshAhead(): void {
  clearTimeout(timer);
  refreshAt = null;
  offset = 0;
  client = null;
  inflight = null;
  lastRenewal = Number.NEGATIVE_INFINITY;
}
