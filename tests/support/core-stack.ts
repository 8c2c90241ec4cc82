/**
 * bffkit's core served in-process (no Next.js) in front of the example provider and the example
 * backend's two roles, each of those its own process: the quickest real stack for protocol tests
 * (FAPI 2.0, per-API tokens, step-up). Routes: the auth routes under /api/auth, and each upstream
 * under its mount.
 */
import { createBff, type Bff, type BffOptions } from '../../packages/bffkit/src/index';
import { oidcBackend } from '../../packages/bffkit/src/core/backends/oidc/backend';
import type { OidcBackendOptions } from '../../packages/bffkit/src/core/backends/oidc/options';
import type { UpstreamOptions } from '../../packages/bffkit/src/core/forward/upstream';
import type { RunningBackend } from './backend-process';
import { OIDC_CLIENT, serveCore, startOidcProvider, type CoreServer, type OidcProviderProcess, type StartOidcProviderOptions } from './oidc-process';
import { freePort } from './ports';

/** The secret of every core stack (tests unseal its cookies with it). */
export const CORE_SECRET = 'core-stack-test-secret-0123456789-abcdefgh';

/** Lines the core logged, by level (tests assert what was and was not logged). */
export interface LogLines {
  info: string[];
  warn: string[];
  error: string[];
  all(): string;
}

/** A running core. */
export interface CoreStack {
  bff: Bff;
  server: CoreServer;
  url: string;
  logs: LogLines;
  stop(): Promise<void>;
}

/**
 * Starts a provider on a free port for an app that will listen on `appPort`.
 *
 * @example
 * const appPort = await freePort(); const idp = await providerFor(appPort, { profile: 'fapi2' });
 */
export function providerFor(appPort: number, options: Omit<StartOidcProviderOptions, 'appUrl'> = {}): Promise<OidcProviderProcess> {
  return startOidcProvider({ appUrl: `http://localhost:${appPort}`, ...options });
}

/**
 * The oidcBackend options for the provider's client: private_key_jwt with its generated key when
 * the provider has one (FAPI), else the client secret.
 *
 * @example
 * oidcBackend(clientOptions(idp, { profile: 'fapi2' }))
 */
export function clientOptions(idp: OidcProviderProcess, extra: Partial<OidcBackendOptions> = {}): OidcBackendOptions {
  const auth = idp.clientKey ? { clientKeys: idp.clientKey.privateJwk as OidcBackendOptions['clientKeys'] } : { clientSecret: OIDC_CLIENT.secret };
  return { issuer: idp.issuer, clientId: OIDC_CLIENT.id, ...auth, ...extra } as OidcBackendOptions;
}

/**
 * Serves a core on `port` with the given backend options and upstreams.
 *
 * @example
 * const core = await startCore(appPort, clientOptions(idp, { profile: 'fapi2' }), { api: notesUpstream(api) });
 */
export async function startCore(
  port: number,
  backend: OidcBackendOptions,
  upstreams: Record<string, UpstreamOptions>,
  extra: Partial<BffOptions> = {},
): Promise<CoreStack> {
  const logs: LogLines = { info: [], warn: [], error: [], all: () => [...logs.info, ...logs.warn, ...logs.error].join('\n') };
  const bff = createBff({
    secret: CORE_SECRET,
    baseUrl: `http://localhost:${port}`,
    backend: oidcBackend(backend),
    upstreams,
    logger: { info: (m) => logs.info.push(m), warn: (m) => logs.warn.push(m), error: (m) => logs.error.push(m) },
    ...extra,
  });
  const mounts = Object.entries(upstreams).map(([name, u]) => [name, u.mount.replace(/\/$/, '')] as const);
  const server = await serveCore((request) => {
    const path = new URL(request.url).pathname;
    const hit = mounts.find(([, mount]) => path === mount || path.startsWith(`${mount}/`));
    return hit ? bff.forward(request, hit[0]) : bff.handleAuth(request);
  }, port);
  return { bff, server, url: server.url, logs, stop: () => server.close() };
}

/**
 * The example API (notes role) as an upstream.
 *
 * @example
 * notesUpstream(api) // mount /api/backend
 */
export function notesUpstream(api: RunningBackend, extra: Partial<UpstreamOptions> = {}): UpstreamOptions {
  return {
    url: api.url,
    mount: '/api/backend',
    allow: [
      { path: '/notes', methods: ['GET', 'POST'] },
      { path: '/auth/me', methods: ['GET'] },
      { path: '/payments', methods: ['POST'] },
    ],
    ...extra,
  };
}

/**
 * The billing API as an upstream.
 *
 * @example
 * billingUpstream(billing, { token: { resource: OIDC_BILLING_RESOURCE } })
 */
export function billingUpstream(billing: RunningBackend, extra: Partial<UpstreamOptions> = {}): UpstreamOptions {
  return { url: billing.url, mount: '/api/billing', allow: [{ path: '/invoices', methods: ['GET'] }], ...extra };
}

export { freePort };
