/**
 * The part of `@opentelemetry/api` bffkit uses, typed structurally so that bffkit has no type (or
 * runtime) dependency on it: the package is an optional peer, loaded lazily and once.
 */

/** Attribute values bffkit sets (never a token, cookie or secret). */
export type OtelAttributes = Record<string, string | number | boolean | undefined>;

/** A span's identity, as in `@opentelemetry/api`. */
export interface OtelSpanContext {
  traceId: string;
  spanId: string;
  traceFlags: number;
}

/** A span, as in `@opentelemetry/api`. */
export interface OtelSpan {
  setAttribute(key: string, value: string | number | boolean): unknown;
  setAttributes(attributes: OtelAttributes): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  addEvent(name: string, attributes?: OtelAttributes): unknown;
  end(endTime?: number): void;
  isRecording(): boolean;
  spanContext(): OtelSpanContext;
}

/** Span options bffkit passes. */
export interface OtelSpanOptions {
  kind?: number;
  attributes?: OtelAttributes;
}

/** An opaque context, as in `@opentelemetry/api`. */
export type OtelContext = object;

/** A tracer, as in `@opentelemetry/api`. */
export interface OtelTracer {
  startSpan(name: string, options?: OtelSpanOptions, context?: OtelContext): OtelSpan;
}

/** A counter or histogram, as in `@opentelemetry/api`. */
export interface OtelRecorder {
  add?(value: number, attributes?: OtelAttributes): void;
  record?(value: number, attributes?: OtelAttributes): void;
}

/** Instrument options bffkit passes. */
export interface OtelInstrumentOptions {
  description?: string;
  unit?: string;
  advice?: { explicitBucketBoundaries?: number[] };
}

/** A meter, as in `@opentelemetry/api`. */
export interface OtelMeter {
  createCounter(name: string, options?: OtelInstrumentOptions): { add(value: number, attributes?: OtelAttributes): void };
  createHistogram(name: string, options?: OtelInstrumentOptions): { record(value: number, attributes?: OtelAttributes): void };
}

/**
 * What bffkit needs of `@opentelemetry/api` (1.3 or later): `import * as api from '@opentelemetry/api'`
 * satisfies it.
 */
export interface OpenTelemetryApi {
  trace: {
    getTracer(name: string, version?: string): OtelTracer;
    getSpan(context: OtelContext): OtelSpan | undefined;
    setSpan(context: OtelContext, span: OtelSpan): OtelContext;
  };
  context: {
    active(): OtelContext;
    with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(context: OtelContext, fn: F, thisArg?: unknown, ...args: A): ReturnType<F>;
  };
  metrics: { getMeter(name: string, version?: string): OtelMeter };
  SpanKind: { INTERNAL: number; CLIENT: number };
  SpanStatusCode: { ERROR: number };
}

const MODULE = '@opentelemetry/api';
let loading: Promise<OpenTelemetryApi | null> | undefined;

/**
 * `@opentelemetry/api` when it is installed, else null. Imported once per process, on first use (a
 * module cache, not per-configuration state). The import is hidden from bundlers so an app without
 * the package builds: Next.js then resolves it at run time from the app's node_modules.
 *
 * @example
 * const api = await loadOpenTelemetry(); // null when the package is absent
 */
export function loadOpenTelemetry(): Promise<OpenTelemetryApi | null> {
  loading ??= import(/* webpackIgnore: true */ /* turbopackIgnore: true */ /* @vite-ignore */ MODULE).then(
    (mod: { default?: unknown }) => usable(mod) ?? usable(mod.default),
    () => null,
  );
  return loading;
}

/** The module when it has the shape bffkit needs (a CommonJS build may arrive under `default`). */
function usable(mod: unknown): OpenTelemetryApi | null {
  const api = mod as Partial<OpenTelemetryApi> | undefined;
  return api?.trace && api.context && api.metrics && api.SpanKind ? (api as OpenTelemetryApi) : null;
}
