/**
 * A minimal OTLP/HTTP trace collector on 127.0.0.1 (`POST /v1/traces`, JSON encoding, what
 * `@opentelemetry/exporter-trace-otlp-http` sends): keeps every span it receives, so a test can
 * assert the span tree an app process exported.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One received span, attributes flattened to plain values. */
export interface CollectedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  events: string[];
  status: number;
  service: string | undefined;
  /** The instrumentation scope (`bffkit` for bffkit's spans, `next.js` for Next's). */
  scope: string | undefined;
}

/** A span with its children. */
export interface CollectedTree {
  span: CollectedSpan;
  children: CollectedTree[];
}

/** A running collector. */
export interface OtlpCollector {
  /** `http://127.0.0.1:<port>`: the value for OTEL_EXPORTER_OTLP_ENDPOINT. */
  url: string;
  spans(): CollectedSpan[];
  /** Waits until `predicate` holds for the spans received (the exporter batches), or throws after `timeoutMs`. */
  waitFor(predicate: (spans: CollectedSpan[]) => boolean, timeoutMs?: number): Promise<CollectedSpan[]>;
  /** The tree under a span. */
  tree(root: CollectedSpan): CollectedTree;
  /** The names of a span's ancestors, nearest first. */
  ancestors(span: CollectedSpan): string[];
  close(): Promise<void>;
}

type AnyValue = { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };
type OtlpSpan = {
  traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number;
  attributes?: { key: string; value: AnyValue }[]; events?: { name: string }[]; status?: { code?: number };
};
type OtlpBody = { resourceSpans?: { resource?: { attributes?: { key: string; value: AnyValue }[] }; scopeSpans?: { scope?: { name?: string }; spans?: OtlpSpan[] }[] }[] };

const plain = (v: AnyValue): unknown => v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : undefined) ?? v.doubleValue ?? v.boolValue;

/**
 * Starts the collector.
 *
 * @example
 * const collector = await startOtlpCollector();
 * const app = await startApp({ backendUrl, env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url } });
 */
export async function startOtlpCollector(): Promise<OtlpCollector> {
  const spans: CollectedSpan[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces' || !String(req.headers['content-type']).startsWith('application/json')) {
        res.writeHead(415).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpBody;
      for (const rs of body.resourceSpans ?? []) {
        const service = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue;
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            spans.push({
              traceId: s.traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId || undefined,
              name: s.name,
              kind: s.kind,
              attributes: Object.fromEntries((s.attributes ?? []).map((a) => [a.key, plain(a.value)])),
              events: (s.events ?? []).map((e) => e.name),
              status: s.status?.code ?? 0,
              service,
              scope: ss.scope?.name,
            });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans: () => [...spans],
    async waitFor(predicate, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(spans)) {
        if (Date.now() > deadline) throw new Error(`otlp collector: condition not met within ${timeoutMs} ms; got ${spans.map((s) => s.name).join(', ')}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      return [...spans];
    },
    tree(root) {
      const build = (s: CollectedSpan): CollectedTree => ({ span: s, children: spans.filter((c) => c.parentSpanId === s.spanId && c.traceId === s.traceId).map(build) });
      return build(root);
    },
    ancestors(span) {
      const out: string[] = [];
      for (let p = spans.find((s) => s.spanId === span.parentSpanId); p; p = spans.find((s) => s.spanId === p!.parentSpanId)) out.push(p.name);
      return out;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The names of a tree, nested, children sorted. With `scope`, only spans of that instrumentation
 * scope are kept (e.g. bffkit's, without Next's fetch spans inside them).
 *
 * @example
 * names(collector.tree(root), 'bffkit') // { 'bffkit.login': { 'bffkit.backend.login': {}, … } }
 */
export function names(tree: CollectedTree, scope?: string): Record<string, unknown> {
  const children: Record<string, unknown> = {};
  const kept = tree.children.filter((c) => scope === undefined || c.span.scope === scope);
  for (const c of [...kept].sort((a, b) => a.span.name.localeCompare(b.span.name))) {
    let key = c.span.name;
    for (let i = 2; key in children; i++) key = `${c.span.name}#${i}`;
    children[key] = names(c, scope)[c.span.name];
  }
  return { [tree.span.name]: children };
}
