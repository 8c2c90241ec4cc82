import type { ResolvedConfig } from '../config';

const MASKED = '[masked]';

const NAME = /^[A-Za-z0-9_$-]{1,60}$/;

/** The kind of a pluggable object (store, coordinator) without its insides: its `kind`, class name, or 'custom'. */
function kindOf(value: unknown): string {
  const kind = (value as { kind?: unknown } | undefined)?.kind;
  if (typeof kind === 'string' && NAME.test(kind)) return kind;
  const name = (value as { constructor?: { name?: unknown } } | undefined)?.constructor?.name;
  return typeof name === 'string' && name !== 'Object' && NAME.test(name) ? name : 'custom';
}

/**
 * The resolved configuration as the diagnostics endpoint shows it. An allow-list, field by field:
 * secrets, the diagnostics token and the anti-forgery header's value are masked; stores, the backend
 * and handlers appear as their kind only (their insides may hold connection strings or keys).
 *
 * @example
 * configView(ctx.config, ctx.sessions.revocable)
 */
export function configView(config: ResolvedConfig, revocable: boolean): Record<string, unknown> {
  const o = config.observability;
  return {
    secret: `${MASKED} (${config.secrets.length} secret${config.secrets.length === 1 ? '' : 's'})`,
    baseUrl: config.appOrigin,
    basePath: config.basePath,
    loginPage: config.loginPage,
    defaultReturnTo: config.defaultReturnTo,
    backend: config.backend.kind,
    cookie: { ...config.cookie },
    session: {
      mode: revocable ? 'server-side store' : 'sealed cookie',
      store: config.store ? kindOf(config.store) : null,
      idleTimeout: config.idleTimeout,
      absoluteTimeout: config.absoluteTimeout,
    },
    refresh: { skew: config.refreshSkew, successorTtl: config.successorTtl, lockTimeout: config.lockTimeout, coordinator: kindOf(config.coordinator) },
    csrf: { headerName: config.csrf.headerName, headerValue: MASKED },
    upstreams: [...config.upstreams.values()].map((u) => ({
      name: u.name,
      url: `${u.url.origin}${u.basePath}`,
      mount: u.mount,
      allow: u.allow.map((r) => ({ path: r.path, methods: [...r.methods] })),
      timeoutMs: u.timeoutMs,
      maxRequestBodyBytes: u.maxRequestBodyBytes,
      requestHeaders: [...u.requestHeaderAllowList].sort(),
    })),
    loginRateLimit: { ...config.loginRateLimit, store: kindOf(config.loginRateLimit.store) },
    trustProxy: config.trustProxy,
    handoff: config.handoff ? { verify: config.handoff.verify.kind } : null,
    events: o.events ? 'handler set' : null,
    openTelemetry: { api: o.otel === false ? 'off' : o.otel === 'auto' ? 'auto' : 'module given', propagate: o.propagate },
    diagnostics: { enabled: o.diagnostics.enabled, token: o.diagnostics.tokenHash ? MASKED : null, recentEvents: o.diagnostics.recentEvents },
  };
}
