/**
 * The step-up state of this tab: the last `step_up_required` answer a `bffFetch` call met, the call
 * itself (so it can be retried once after the stronger sign-in), and the retried call's answer.
 * A redirect sign-in leaves the page, so the call to retry is kept in sessionStorage (this tab only)
 * until the user is back: its URL (this origin), method, headers and a string body. No token is
 * ever in it: the browser never has one.
 */
import type { StepUpRequired } from './types';

/** A call that may be retried once after a step-up. */
export interface PendingCall {
  url: string;
  method: string;
  headers: [string, string][];
  body?: string;
}

/** What is kept across the redirect. */
interface StoredStepUp {
  v: 1;
  call: PendingCall;
  /** The user who made the call: the retry happens for this user only. */
  userId: string;
  /** Epoch ms; a record older than {@link MAX_AGE_MS} is dropped unused. */
  at: number;
}

const KEY = 'bffkit:step-up';
const MAX_AGE_MS = 10 * 60 * 1000;

type State = { required: StepUpRequired | null; call: PendingCall | null; retried: Response | null };
let state: State = { required: null, call: null, retried: null };
const listeners = new Set<() => void>();

function set(patch: Partial<State>): void {
  state = { ...state, ...patch };
  for (const l of [...listeners]) l();
}

/** Subscribes to changes (for useSyncExternalStore). */
export function subscribeStepUp(listener: () => void): () => void {
  listeners.add(listener);
  return () => void listeners.delete(listener);
}

/** The current state (stable object until it changes). */
export function stepUpState(): State {
  return state;
}

/**
 * Records a challenge and the call it refused (a call without a string body is not retryable).
 *
 * @example
 * recordStepUp(challenge, { url: '/api/backend/payments', method: 'POST', headers, body });
 */
export function recordStepUp(required: StepUpRequired, call: PendingCall | null): void {
  set({ required, call, retried: null });
}

/** Forgets the challenge and the call. */
export function clearStepUp(): void {
  set({ required: null, call: null });
}

/** Stores the pending call for the way back from a redirect sign-in. */
export function persistPendingCall(userId: string): void {
  if (!state.call) return;
  const record: StoredStepUp = { v: 1, call: state.call, userId, at: Date.now() };
  try {
    globalThis.sessionStorage?.setItem(KEY, JSON.stringify(record));
  } catch {
    // No storage (private mode, quota): the user comes back without the automatic retry.
  }
}

/**
 * Takes the call kept across a redirect (once: the record is deleted), if it is recent, well-formed,
 * for this origin and for `userId`.
 *
 * @example
 * const call = takePendingCall(user.id);
 */
export function takePendingCall(userId: string): PendingCall | null {
  let raw: string | null = null;
  try {
    raw = globalThis.sessionStorage?.getItem(KEY) ?? null;
    globalThis.sessionStorage?.removeItem(KEY);
  } catch {
    return null;
  }
  if (!raw) return null;
  let record: Partial<StoredStepUp>;
  try {
    record = JSON.parse(raw) as Partial<StoredStepUp>;
  } catch {
    return null;
  }
  const call = record.call;
  if (record.v !== 1 || record.userId !== userId || typeof record.at !== 'number' || Date.now() - record.at > MAX_AGE_MS) return null;
  if (!call || typeof call.url !== 'string' || !call.url.startsWith('/') || call.url.startsWith('//') || typeof call.method !== 'string') return null;
  if (!Array.isArray(call.headers) || !call.headers.every((h) => Array.isArray(h) && h.length === 2 && h.every((x) => typeof x === 'string'))) return null;
  if (call.body !== undefined && typeof call.body !== 'string') return null;
  return call;
}

/** Records the answer of the retried call. */
export function setRetried(response: Response): void {
  set({ retried: response, required: null, call: null });
}

/** Test hook. */
export function resetStepUp(): void {
  state = { required: null, call: null, retried: null };
  listeners.clear();
  try {
    globalThis.sessionStorage?.removeItem(KEY);
  } catch {
    // nothing kept
  }
}
