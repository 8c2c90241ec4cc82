import type { AuthenticatedSession } from './types';

/**
 * Session events: a module-level emitter (every provider in this tab) plus a BroadcastChannel
 * (every other tab of the same origin). Other tabs receive only the event type and refetch the
 * session themselves: nothing about the user travels between tabs.
 */

/** The event types that cross tabs. */
export type SessionEventType = 'signed-in' | 'signed-out' | 'session-ended';

/** A local event. `signed-in` carries the new session so every provider in the tab agrees at once. */
export type SessionEvent =
  | { type: 'signed-in'; session: AuthenticatedSession }
  | { type: 'signed-out' }
  | { type: 'session-ended' };

/** What another tab posts on the channel. */
export type BroadcastMessage = { type: SessionEventType };

type Listener<T> = (event: T) => void;

const CHANNEL_NAME = 'bffkit';
const EVENT_TYPES: ReadonlySet<string> = new Set<SessionEventType>(['signed-in', 'signed-out', 'session-ended']);

const localListeners = new Set<Listener<SessionEvent>>();
const remoteListeners = new Set<Listener<BroadcastMessage>>();
/** `undefined`: not created yet; `null`: this environment has no BroadcastChannel. */
let channel: BroadcastChannel | null | undefined;

function getChannel(): BroadcastChannel | null {
  if (channel !== undefined) return channel;
  if (typeof BroadcastChannel === 'undefined') return (channel = null);
  try {
    channel = new BroadcastChannel(CHANNEL_NAME);
  } catch {
    return (channel = null);
  }
  // Node (tests, SSR) would otherwise keep the process alive for an open channel.
  (channel as { unref?: () => void }).unref?.();
  channel.onmessage = (message: MessageEvent<unknown>) => {
    const parsed = parseMessage(message.data);
    if (parsed) for (const listener of [...remoteListeners]) listener(parsed);
  };
  return channel;
}

/** Why: the channel is same-origin, but anything can post on it; accept only the known shapes. */
function parseMessage(data: unknown): BroadcastMessage | null {
  if (typeof data !== 'object' || data === null) return null;
  const type = (data as { type?: unknown }).type;
  return typeof type === 'string' && EVENT_TYPES.has(type) ? { type: type as SessionEventType } : null;
}

/**
 * Subscribes to events raised in this tab. Returns the unsubscribe function.
 *
 * @example
 * const off = onSessionEvent((event) => console.log(event.type));
 */
export function onSessionEvent(listener: Listener<SessionEvent>): () => void {
  localListeners.add(listener);
  return () => void localListeners.delete(listener);
}

/**
 * Subscribes to events raised in other tabs (opens the channel on first use).
 *
 * @example
 * const off = onRemoteSessionEvent(() => void refetch());
 */
export function onRemoteSessionEvent(listener: Listener<BroadcastMessage>): () => void {
  getChannel();
  remoteListeners.add(listener);
  return () => void remoteListeners.delete(listener);
}

/**
 * Tells every provider in this tab, then every other tab, that the session changed.
 *
 * @example
 * announce({ type: 'session-ended' });
 */
export function announce(event: SessionEvent): void {
  for (const listener of [...localListeners]) listener(event);
  try {
    getChannel()?.postMessage({ type: event.type } satisfies BroadcastMessage);
  } catch {
    // A closed or unavailable channel only costs cross-tab sync; focus refetch still catches up.
  }
}

/** Test hook: forget every listener and close the channel. Not exported from the package. */
export function resetSessionEvents(): void {
  localListeners.clear();
  remoteListeners.clear();
  channel?.close();
  channel = undefined;
}
