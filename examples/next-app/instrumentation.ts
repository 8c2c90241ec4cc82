/**
 * Runs once when the server starts, before it serves a request (Node.js runtime only):
 * - instrumentation-node.ts checks bffkit's configuration against what the identity provider advertises;
 * - instrumentation-otel.ts sets up OpenTelemetry (docs/observability.md) when an OTLP endpoint is set:
 *   OTEL_EXPORTER_OTLP_ENDPOINT (e.g. http://127.0.0.1:4318) or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT.
 *   bffkit finds the registered provider through @opentelemetry/api by itself.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) await import('./instrumentation-otel');
  await import('./instrumentation-node');
}
