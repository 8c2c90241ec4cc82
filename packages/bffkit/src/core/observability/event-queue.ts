import type { Logger } from '../logger';
import type { BffEvent, BffEventHandler } from './events';

/** Runs work after the response is built (Next's `after()`, a platform's `waitUntil`, or setImmediate). */
export type AfterResponse = (task: () => Promise<void>) => void;

/** Most events waiting for the handler; more are dropped (counted, one warning per overflow). */
export const MAX_QUEUED_EVENTS = 1000;
/** How long one handler call may take before delivery moves on to the next event. */
export const HANDLER_TIMEOUT_MS = 10_000;

/** Delivery counts, for the diagnostics page. */
export interface DeliveryStats {
  delivered: number;
  failed: number;
  dropped: number;
  pending: number;
}

/**
 * Delivers events to the app's handler one at a time, in order, never on a request's clock: a batch
 * is handed over when a request's response is built, and delivery starts from `afterResponse`. A
 * handler that throws, rejects or hangs (past {@link HANDLER_TIMEOUT_MS}) is logged once and delivery
 * goes on; a full queue drops new events (one warning each time it fills).
 */
export class EventQueue {
  private readonly pending: BffEvent[] = [];
  private draining: Promise<void> | null = null;
  private errorLogged = false;
  private overflowWarned = false;
  readonly stats: DeliveryStats = { delivered: 0, failed: 0, dropped: 0, pending: 0 };

  constructor(
    private readonly handler: BffEventHandler,
    private readonly afterResponse: AfterResponse,
    private readonly logger: Logger,
    private readonly onDrop: () => void = () => undefined,
  ) {}

  /**
   * Queues events and schedules their delivery after the response. Never throws, never waits.
   *
   * @example
   * queue.push(scope.events);
   */
  push(events: readonly BffEvent[]): void {
    if (events.length === 0) return;
    for (const event of events) {
      if (this.pending.length >= MAX_QUEUED_EVENTS) {
        this.drop();
        continue;
      }
      this.pending.push(event);
    }
    this.stats.pending = this.pending.length;
    try {
      this.afterResponse(() => this.drain());
    } catch {
      // An afterResponse that refuses (outside a request scope): deliver on the next turn instead.
      setImmediate(() => void this.drain());
    }
  }

  /**
   * Delivers everything queued; resolves when the queue is empty (one drain at a time).
   *
   * @example
   * await queue.drain();
   */
  drain(): Promise<void> {
    // A drain that is just finishing may have looked at the queue before the latest push: chain on it.
    if (this.draining) return this.draining.then(() => (this.pending.length > 0 ? this.drain() : undefined));
    this.draining = this.run().finally(() => (this.draining = null));
    return this.draining;
  }

  private async run(): Promise<void> {
    for (let event = this.pending.shift(); event; event = this.pending.shift()) {
      this.stats.pending = this.pending.length;
      try {
        await withTimeout(Promise.resolve().then(() => this.handler(event)));
        this.stats.delivered += 1;
      } catch (error) {
        this.stats.failed += 1;
        if (!this.errorLogged) {
          this.errorLogged = true;
          const why = error === TIMED_OUT ? `took longer than ${HANDLER_TIMEOUT_MS / 1000} s` : `threw ${(error as Error)?.name ?? typeof error}`;
          this.logger.error(`events handler ${why}; delivery goes on, and later handler failures are not logged`);
        }
      }
    }
    this.stats.pending = 0;
    this.overflowWarned = false;
  }

  private drop(): void {
    this.stats.dropped += 1;
    this.onDrop();
    if (this.overflowWarned) return;
    this.overflowWarned = true;
    this.logger.warn(`events queue is full (${MAX_QUEUED_EVENTS} waiting for a slow handler): new events are dropped until it drains`);
  }
}

const TIMED_OUT = Symbol('timed out');

function withTimeout(work: Promise<unknown>): Promise<unknown> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(TIMED_OUT), HANDLER_TIMEOUT_MS);
    timer.unref?.();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The default {@link AfterResponse}: the next turn of the event loop, after the response in hand
 * has been returned to the server.
 *
 * @example
 * const queue = new EventQueue(handler, nextTurn, logger);
 */
export const nextTurn: AfterResponse = (task) => void setImmediate(() => void task());
