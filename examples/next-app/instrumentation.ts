/**
 * OpenTelemetry for the example app (docs/observability.md). Off unless an OTLP endpoint is set:
 * OTEL_EXPORTER_OTLP_ENDPOINT (e.g. http://127.0.0.1:4318) or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT.
 * bffkit finds the registered provider through @opentelemetry/api by itself.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  if (!process.env.OTEL_EXPORTER_OTLP_ENDPOINT && !process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return;
  await import('./instrumentation-node');
}
