import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

// Spans go to any OTLP/HTTP collector (the exporter reads OTEL_EXPORTER_OTLP_* itself, and the batch
// processor OTEL_BSP_*). register() also installs the AsyncLocalStorage context manager and the W3C
// propagators, so bffkit's spans nest under Next's own request spans.
const provider = new NodeTracerProvider({
  resource: resourceFromAttributes({ 'service.name': process.env.OTEL_SERVICE_NAME ?? 'bffkit-example' }),
  spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
});
provider.register();
