import type { Logger } from '../logger';
import { loadOpenTelemetry, type OpenTelemetryApi, type OtelAttributes, type OtelMeter, type OtelSpan, type OtelTracer } from './otel-api';

/** The instrumentation scope name of every bffkit span and metric. */
export const INSTRUMENTATION_SCOPE = 'bffkit';
const VERSION = '0.1.0';

/** Where OpenTelemetry stands: off by configuration, being loaded, not installed, or in use. */
export type OtelState = 'off' | 'loading' | 'absent' | 'active';

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const INVALID_TRACE = '0'.repeat(32);

/**
 * bffkit's use of the OpenTelemetry API: spans (always children of the active context), the W3C
 * `traceparent` of a span, and the meter. Until (and unless) the API is there, `tracer` is null and
 * every caller takes its untraced path: no span, no attribute, no allocation.
 */
export class Tracing {
  api: OpenTelemetryApi | null = null;
  tracer: OtelTracer | null = null;
  state: OtelState;
  private onAttach: ((meter: OtelMeter) => void)[] = [];

  constructor(setting: 'auto' | false | OpenTelemetryApi, private readonly logger: Logger) {
    if (setting === false) this.state = 'off';
    else if (setting === 'auto') {
      this.state = 'loading';
      void loadOpenTelemetry().then((api) => (api ? this.attach(api) : (this.state = 'absent')));
    } else {
      this.state = 'loading';
      this.attach(setting);
    }
  }

  /** Calls `fn` with the meter once the API is there (at once when it already is). */
  whenMeter(fn: (meter: OtelMeter) => void): void {
    if (this.api) fn(this.api.metrics.getMeter(INSTRUMENTATION_SCOPE, VERSION));
    else this.onAttach.push(fn);
  }

  /**
   * Runs `fn` inside a new span, a child of the active one, that ends when `fn` settles; a throw sets
   * the span's status to error with the error's code or name only (messages may carry data).
   *
   * @example
   * return tracing.inSpan('bffkit.login', { 'bffkit.route': 'login' }, () => loginAction(ctx, request));
   */
  async inSpan<T>(name: string, attributes: OtelAttributes | undefined, fn: (span: OtelSpan | null) => Promise<T>, kind?: number): Promise<T> {
    const { api, tracer } = this;
    if (!api || !tracer) return fn(null);
    const parent = api.context.active();
    const span = tracer.startSpan(name, { kind: kind ?? api.SpanKind.INTERNAL, attributes }, parent);
    try {
      return await api.context.with(api.trace.setSpan(parent, span), fn, undefined, span);
    } catch (error) {
      this.fail(span, errorType(error));
      throw error;
    } finally {
      span.end();
    }
  }

  /**
   * Starts a span that is not made active (it has no children), a child of the active one.
   *
   * @example
   * const wait = tracing.start('bffkit.refresh.lock_wait');
   */
  start(name: string, attributes?: OtelAttributes, kind?: number): OtelSpan | null {
    const { api, tracer } = this;
    if (!api || !tracer) return null;
    return tracer.startSpan(name, { kind: kind ?? api.SpanKind.INTERNAL, attributes }, api.context.active());
  }

  /** The active span, when it records (for attributes and span events). */
  active(): OtelSpan | null {
    const span = this.api?.trace.getSpan(this.api.context.active());
    return span?.isRecording() ? span : null;
  }

  /** Marks a span failed with an error type (`error.type`, status ERROR). */
  fail(span: OtelSpan, type: string): void {
    span.setAttribute('error.type', type);
    span.setStatus({ code: this.api?.SpanStatusCode.ERROR ?? 2, message: type });
  }

  private attach(api: OpenTelemetryApi): void {
    try {
      this.tracer = api.trace.getTracer(INSTRUMENTATION_SCOPE, VERSION);
      this.api = api;
      this.state = 'active';
      for (const fn of this.onAttach.splice(0)) fn(api.metrics.getMeter(INSTRUMENTATION_SCOPE, VERSION));
    } catch (error) {
      // An API copy that does not behave: tracing stays off, the app keeps working.
      this.tracer = null;
      this.api = null;
      this.state = 'absent';
      this.logger.warn(`OpenTelemetry could not be used (${(error as Error)?.name ?? 'error'}); tracing is off`);
    }
  }
}

/**
 * The W3C `traceparent` of a span, or null when its context is not valid (no SDK, no trace). Built
 * from the span's own ids, which are checked hex, so nothing else travels with it.
 *
 * @example
 * const header = traceparentOf(span); // '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
 */
export function traceparentOf(span: OtelSpan): string | null {
  const { traceId, spanId, traceFlags } = span.spanContext();
  if (!TRACE_ID.test(traceId) || traceId === INVALID_TRACE || !SPAN_ID.test(spanId) || spanId === '0'.repeat(16)) return null;
  return `00-${traceId}-${spanId}-${traceFlags & 1 ? '01' : '00'}`;
}

/** A stable, data-free name for an error: its bffkit `code`, else its class name. */
export function errorType(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && /^[a-z_]{1,40}$/.test(code)) return code;
  const name = (error as Error)?.name;
  return typeof name === 'string' && /^[A-Za-z]{1,40}$/.test(name) ? name : '_OTHER';
}
