import type { OtelAttributes, OtelMeter } from './otel-api';

type Counter = { add(value: number, attributes?: OtelAttributes): void };
type Histogram = { record(value: number, attributes?: OtelAttributes): void };

/** Latency buckets in seconds (the HTTP semantic conventions' advice). */
const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
/** Store calls are faster: finer low buckets. */
const FAST_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

/** The instruments, created once the meter is there. */
interface Instruments {
  refreshDuration: Histogram;
  lockWait: Histogram;
  successorHits: Counter;
  logins: Counter;
  upstreamDuration: Histogram;
  storeDuration: Histogram;
  events: Counter;
  eventsDropped: Counter;
}

/** The metric instruments, by name (docs/observability.md lists their attributes). */
export const METRICS = {
  refreshDuration: 'bffkit.refresh.duration',
  lockWait: 'bffkit.refresh.lock_wait.duration',
  successorHits: 'bffkit.refresh.successor_hits',
  logins: 'bffkit.login.attempts',
  upstreamDuration: 'bffkit.upstream.request.duration',
  storeDuration: 'bffkit.session.store.duration',
  events: 'bffkit.events',
  eventsDropped: 'bffkit.events.dropped',
} as const;

/**
 * bffkit's metrics. Every method is a no-op until a meter is attached (OpenTelemetry present).
 */
export class Metrics {
  private i: Instruments | null = null;

  /** Whether instruments exist (the callers skip their timing otherwise). */
  get active(): boolean {
    return this.i !== null;
  }

  /**
   * Creates the instruments on `meter`.
   *
   * @example
   * metrics.attach(api.metrics.getMeter('bffkit'));
   */
  attach(meter: OtelMeter): void {
    const h = (name: string, description: string, buckets = SECONDS) =>
      meter.createHistogram(name, { description, unit: 's', advice: { explicitBucketBoundaries: buckets } });
    this.i = {
      refreshDuration: h(METRICS.refreshDuration, 'Duration of a token refresh at the backend, lock wait included.'),
      lockWait: h(METRICS.lockWait, 'Time a refresh waited for the lock another instance held.'),
      successorHits: meter.createCounter(METRICS.successorHits, { description: 'Refreshes answered from the successor record.', unit: '{hit}' }),
      logins: meter.createCounter(METRICS.logins, { description: 'Sign-in attempts by method and outcome.', unit: '{attempt}' }),
      upstreamDuration: h(METRICS.upstreamDuration, 'Duration of forwarded and server-side upstream calls, until the response headers.'),
      storeDuration: h(METRICS.storeDuration, 'Duration of session store (or sealed cookie) operations.', FAST_SECONDS),
      events: meter.createCounter(METRICS.events, { description: 'Audit events by type.', unit: '{event}' }),
      eventsDropped: meter.createCounter(METRICS.eventsDropped, { description: 'Events dropped because the handler fell behind.', unit: '{event}' }),
    };
  }

  refresh(seconds: number, outcome: string): void {
    this.i?.refreshDuration.record(seconds, { 'bffkit.refresh.outcome': outcome });
  }

  lockWait(seconds: number, result: string): void {
    this.i?.lockWait.record(seconds, { 'bffkit.refresh.lock_wait.result': result });
  }

  successorHit(): void {
    this.i?.successorHits.add(1);
  }

  login(method: string, outcome: string, reason?: string): void {
    this.i?.logins.add(1, { 'bffkit.login.method': method, 'bffkit.outcome': outcome, ...(reason && { 'bffkit.failure.reason': reason }) });
  }

  upstream(seconds: number, attributes: OtelAttributes): void {
    this.i?.upstreamDuration.record(seconds, attributes);
  }

  store(seconds: number, operation: string, mode: string, error?: string): void {
    this.i?.storeDuration.record(seconds, { 'bffkit.store.operation': operation, 'bffkit.session.mode': mode, ...(error && { 'error.type': error }) });
  }

  event(type: string): void {
    this.i?.events.add(1, { 'bffkit.event.type': type });
  }

  dropped(): void {
    this.i?.eventsDropped.add(1);
  }
}
