/**
 * A real OpenTelemetry SDK in the test process: a tracer provider with an in-memory span exporter,
 * the AsyncLocalStorage context manager and the W3C trace-context propagator, and a meter provider
 * whose reader collects on demand. Registered globally (what an app's instrumentation does), so the
 * `api` module handed to bffkit is the real `@opentelemetry/api`.
 */
import * as api from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { AggregationTemporality, MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';

/** A finished span, reduced to what tests look at. */
export interface SpanRecord {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  attributes: Record<string, unknown>;
  events: string[];
  status: number;
}

/** A span with its children, for tree assertions. */
export interface SpanTree {
  name: string;
  children: SpanTree[];
}

class CollectingReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** The SDK of one test file. */
export interface OtelSdk {
  /** The `@opentelemetry/api` module, for `openTelemetry: { api }`. */
  api: typeof api;
  /** Every span finished so far. */
  spans(): SpanRecord[];
  /** The trees of finished spans (roots are spans whose parent is not among them). */
  trees(): SpanTree[];
  /** The tree rooted at the (last) span with this name. */
  tree(name: string): SpanTree | undefined;
  /** Collects the metrics recorded so far, by instrument name. */
  metrics(): Promise<Map<string, { attributes: Record<string, unknown>; value: unknown }[]>>;
  /** Forgets the spans finished so far. */
  reset(): void;
  /** Unregisters everything. */
  shutdown(): Promise<void>;
}

/**
 * Registers a real SDK globally for this test file.
 *
 * @example
 * const sdk = startOtelSdk();
 * const bff = createBff({ ..., openTelemetry: { api: sdk.api } });
 * afterAll(() => sdk.shutdown());
 */
export function startOtelSdk(): OtelSdk {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  api.context.setGlobalContextManager(contextManager);
  api.trace.setGlobalTracerProvider(provider);
  api.propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const reader = new CollectingReader({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  const meterProvider = new MeterProvider({ readers: [reader] });
  api.metrics.setGlobalMeterProvider(meterProvider);

  const spans = (): SpanRecord[] => exporter.getFinishedSpans().map(record);
  const trees = (): SpanTree[] => {
    const all = spans();
    const ids = new Set(all.map((s) => s.spanId));
    const build = (s: SpanRecord): SpanTree => ({ name: s.name, children: all.filter((c) => c.parentSpanId === s.spanId).map(build) });
    return all.filter((s) => !s.parentSpanId || !ids.has(s.parentSpanId)).map(build);
  };
  return {
    api,
    spans,
    trees,
    tree(name) {
      const all = spans();
      const root = all.filter((s) => s.name === name).at(-1);
      if (!root) return undefined;
      const build = (s: SpanRecord): SpanTree => ({ name: s.name, children: all.filter((c) => c.parentSpanId === s.spanId).map(build) });
      return build(root);
    },
    async metrics() {
      const { resourceMetrics } = await reader.collect();
      return byInstrument(resourceMetrics);
    },
    reset: () => exporter.reset(),
    async shutdown() {
      await provider.shutdown();
      await meterProvider.shutdown();
      contextManager.disable();
      api.trace.disable();
      api.context.disable();
      api.propagation.disable();
      api.metrics.disable();
    },
  };
}

function record(s: ReadableSpan): SpanRecord {
  return {
    name: s.name,
    kind: s.kind,
    traceId: s.spanContext().traceId,
    spanId: s.spanContext().spanId,
    parentSpanId: s.parentSpanContext?.spanId,
    attributes: { ...s.attributes },
    events: s.events.map((e) => e.name),
    status: s.status.code,
  };
}

function byInstrument(rm: ResourceMetrics): Map<string, { attributes: Record<string, unknown>; value: unknown }[]> {
  const out = new Map<string, { attributes: Record<string, unknown>; value: unknown }[]>();
  for (const scope of rm.scopeMetrics) {
    for (const metric of scope.metrics) {
      const points = (metric.dataPoints as { attributes: Record<string, unknown>; value: unknown }[]).map((p) => ({ attributes: { ...p.attributes }, value: p.value }));
      out.set(metric.descriptor.name, [...(out.get(metric.descriptor.name) ?? []), ...points]);
    }
  }
  return out;
}

/**
 * A tree as nested names, children sorted, for `toEqual` against an expected shape.
 *
 * @example
 * expect(shape(sdk.tree('bffkit.login'))).toEqual({ 'bffkit.login': { 'bffkit.backend.login': {}, 'bffkit.backend.user': {} } });
 */
export function shape(tree: SpanTree | undefined): Record<string, unknown> {
  if (!tree) return {};
  const children: Record<string, unknown> = {};
  for (const c of [...tree.children].sort((a, b) => a.name.localeCompare(b.name))) {
    const key = children[c.name] === undefined ? c.name : `${c.name}#${Object.keys(children).filter((k) => k.startsWith(c.name)).length + 1}`;
    children[key] = shape(c)[c.name];
  }
  return { [tree.name]: children };
}
