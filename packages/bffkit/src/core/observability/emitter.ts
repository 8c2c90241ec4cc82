import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { clientAddress } from '../http/client-ip';
import type { Logger } from '../logger';
import type { SessionData } from '../types';
import { EventQueue, nextTurn, type AfterResponse, type DeliveryStats } from './event-queue';
import { EVENT_OUTCOME, type BffEvent, type BffEventHandler, type BffEventType, type EventFields } from './events';

/** What one request (or server-side call) knows while it runs: where it came from, whose session. */
interface Scope {
  request: Request | null;
  session: SessionData | null;
  /** Events emitted during the request, handed to the queue once its response is built. */
  events: BffEvent[];
  /** `session.ended` already emitted for these session ids (several reads in one request). */
  ended: Set<string> | null;
  /** False once the response is built: later events (work the request left running) go out at once. */
  open: boolean;
}

/** What the emitter needs from the configuration. */
export interface EmitterSettings {
  handler: BffEventHandler | undefined;
  afterResponse: AfterResponse | undefined;
  logger: Logger;
  trustProxy: boolean | number;
  /** How many recent events to keep for the diagnostics endpoint (0: none). */
  recent: number;
}

const MAX_USER_AGENT = 256;

/** Whom an event is about: a session, or only a user (a back-channel logout names a subject). */
export type EventSubject = { id?: string; user: { id: unknown } };

/**
 * Builds events (base fields from the current request scope), keeps the recent ones, and hands them
 * to the {@link EventQueue} when the request's response is built. When nobody listens (no handler, no
 * diagnostics) every method returns at once: no scope, no hashing, no allocation beyond the call.
 */
export class Emitter {
  /** Whether anyone consumes events. */
  readonly listening: boolean;
  private readonly storage: AsyncLocalStorage<Scope> | undefined;
  private readonly queue: EventQueue | undefined;
  private readonly ring: BffEvent[] = [];
  /** Called for every event (metrics and span annotations), listening or not. */
  onEvent: ((event: { type: BffEventType } & Record<string, unknown>) => void) | undefined;

  constructor(private readonly settings: EmitterSettings, onDrop?: () => void) {
    this.listening = settings.handler !== undefined || settings.recent > 0;
    if (!this.listening) return;
    this.storage = new AsyncLocalStorage<Scope>();
    if (settings.handler) this.queue = new EventQueue(settings.handler, settings.afterResponse ?? nextTurn, settings.logger, onDrop);
  }

  /**
   * Runs `fn` as one request: events it emits get the request's address and user agent, and are
   * delivered once `fn`'s result (the response) is built.
   *
   * @example
   * return emitter.scope(request, () => handleAuthRequest(ctx, request));
   */
  async scope<T>(request: Request | null, fn: () => Promise<T>): Promise<T> {
    if (!this.storage || this.storage.getStore()) return fn();
    const scope: Scope = { request, session: null, events: [], ended: null, open: true };
    try {
      return await this.storage.run(scope, fn);
    } finally {
      scope.open = false;
      this.queue?.push(scope.events);
    }
  }

  /** Remembers the request's session: later events of the request carry its id hash and user. */
  noteSession(session: SessionData): void {
    const scope = this.storage?.getStore();
    if (scope) scope.session = session;
  }

  /** False when `session.ended` was already emitted for this session in this request. */
  firstEnd(sessionId: string): boolean {
    const scope = this.storage?.getStore();
    if (!scope) return true;
    scope.ended ??= new Set();
    if (scope.ended.has(sessionId)) return false;
    scope.ended.add(sessionId);
    return true;
  }

  /**
   * Emits one event. `subject` (when given) names the session or user; otherwise the request's noted session.
   *
   * @example
   * emitter.emit('logout', { hadSession: true, providerLogout: false }, session);
   */
  emit<T extends BffEventType>(type: T, fields: EventFields[T], subject?: EventSubject | null): void {
    this.onEvent?.({ type, ...fields });
    if (!this.listening) return;
    const scope = this.storage?.getStore();
    const s: EventSubject | null = subject ?? scope?.session ?? null;
    const request = scope?.request ?? null;
    const outcome = type === 'refresh.lock_waited' && (fields as EventFields['refresh.lock_waited']).result === 'timeout' ? 'failure' : EVENT_OUTCOME[type];
    const event = {
      type,
      timestamp: new Date().toISOString(),
      outcome,
      sessionIdHash: s?.id ? sessionIdHash(s.id) : null,
      userId: s ? String(s.user.id) : null,
      clientAddress: request ? address(request, this.settings.trustProxy) : null,
      userAgent: request ? userAgent(request) : null,
      ...fields,
    } as BffEvent;
    if (this.settings.recent > 0) {
      this.ring.push(event);
      if (this.ring.length > this.settings.recent) this.ring.shift();
    }
    if (!this.queue) return;
    if (scope?.open) scope.events.push(event);
    else this.queue.push([event]);
  }

  /** The most recent events, oldest first (for the diagnostics endpoint). */
  recent(): readonly BffEvent[] {
    return [...this.ring];
  }

  /** Delivery counts, or null without a handler. */
  delivery(): DeliveryStats | null {
    return this.queue ? { ...this.queue.stats } : null;
  }

  /** Resolves once every queued event is delivered (tests, graceful shutdown). */
  flush(): Promise<void> {
    return this.queue?.drain() ?? Promise.resolve();
  }
}

/**
 * The session id's hash as events carry it (see {@link EventBase.sessionIdHash}).
 *
 * @example
 * sessionIdHash(session.id) // 'mZ3…' (22 characters)
 */
export function sessionIdHash(id: string): string {
  return createHash('sha256').update(id).digest('base64url').slice(0, 22);
}

function address(request: Request, trustProxy: boolean | number): string | null {
  // Only a trusted proxy's X-Forwarded-For names the client (docs/security.md 28); never a guess.
  if (trustProxy === false || trustProxy === 0) return null;
  const ip = clientAddress(request, { trustProxy });
  return ip === 'unknown' ? null : ip;
}

function userAgent(request: Request): string | null {
  const ua = request.headers.get('user-agent');
  if (!ua) return null;
  // eslint-disable-next-line no-control-regex
  return ua.slice(0, MAX_USER_AGENT).replace(/[\x00-\x1f\x7f]/g, '?');
}
