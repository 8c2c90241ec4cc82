import { createHash, timingSafeEqual } from 'node:crypto';
import type { BffContext, RouteAction } from '../context';
import { send } from '../forward/transport';
import { errorResponse, json } from '../http/response';
import { accessTokenDue, serverRefreshSkew, sessionExpiresAt } from '../session/lifetime';
import type { SessionData } from '../types';
import { configView } from './config-view';
import { sessionIdHash } from './emitter';
import { errorType } from './tracing';

/** How long the reachability probe of one upstream may take. */
const PROBE_TIMEOUT_MS = 2_000;
const iso = (seconds: number): string => new Date(seconds * 1000).toISOString();

/**
 * `GET {basePath}/diagnostics`: what this bffkit is configured to do and how it is doing, as JSON.
 * 404 unless `diagnostics.enabled` (default: only with NODE_ENV=development; production needs a
 * token, checked at start-up). With a token configured, the caller must send
 * `Authorization: Bearer <token>` (compared in constant time over SHA-256 digests), else 401.
 * Reads the caller's session without refreshing or writing it; never shows a token.
 */
export const diagnosticsAction: RouteAction = async (ctx, request) => {
  const { enabled, tokenHash } = ctx.config.observability.diagnostics;
  if (!enabled) return errorResponse('not_found', 'No such auth route.');
  if (tokenHash && !tokenMatches(request.headers.get('authorization'), tokenHash)) {
    return errorResponse('unauthenticated', 'The diagnostics token is missing or wrong.', { 'www-authenticate': 'Bearer realm="bffkit diagnostics"' });
  }
  const now = ctx.config.clock();
  const read = await ctx.cookie.read(request.headers.get('cookie'), now).catch(() => null);
  const { telemetry } = ctx;
  return json({
    generatedAt: new Date().toISOString(),
    config: configView(ctx.config, ctx.sessions.revocable),
    session: read === null ? { status: 'store_unavailable' } : read.session ? sessionView(ctx, read.session, now) : { status: 'unauthenticated' },
    events: { recent: telemetry.emitter.recent(), delivery: telemetry.emitter.delivery() },
    openTelemetry: { state: telemetry.tracing.state, propagate: telemetry.propagate },
    upstreams: await Promise.all([...ctx.config.upstreams.values()].map((u) => reachability(u.name, u.url))),
  });
};

function tokenMatches(header: string | null, expected: Buffer): boolean {
  const given = /^Bearer (\S{1,512})$/.exec(header ?? '')?.[1] ?? '';
  // Digests of equal length, so the comparison time says nothing about the token.
  return timingSafeEqual(createHash('sha256').update(given).digest(), expected) && given !== '';
}

/** The caller's session: lifetimes and token expiry, never a token. */
function sessionView(ctx: BffContext, session: SessionData, now: number): Record<string, unknown> {
  const { idleTimeout, absoluteTimeout } = ctx.config;
  const t = session.tokens;
  return {
    status: 'authenticated',
    sessionIdHash: sessionIdHash(session.id),
    userId: String(session.user.id),
    createdAt: iso(session.createdAt),
    lastActiveAt: iso(session.lastActiveAt),
    idleExpiresAt: iso(session.lastActiveAt + idleTimeout),
    absoluteExpiresAt: iso(session.createdAt + absoluteTimeout),
    expiresAt: iso(sessionExpiresAt(session, ctx.config)),
    accessToken: { issuedAt: iso(t.issuedAt), expiresAt: iso(t.expiresAt), expiresIn: Math.round(t.expiresAt - now), refreshDue: accessTokenDue(t, now, serverRefreshSkew(ctx.config)) },
    refreshToken: t.refreshToken ? 'present' : 'absent',
    idToken: t.idToken ? 'present' : 'absent',
  };
}

/** Whether an upstream answers HTTP at all (any status counts): no token, no cookie, 2 s at most. */
async function reachability(name: string, url: URL): Promise<Record<string, unknown>> {
  const started = performance.now();
  try {
    const res = await send({ url, method: 'GET', headers: { accept: '*/*', 'user-agent': 'bffkit-diagnostics' }, body: null, timeoutMs: PROBE_TIMEOUT_MS });
    await res.body?.cancel().catch(() => undefined);
    return { name, url: `${url.origin}${url.pathname === '/' ? '' : url.pathname}`, reachable: true, status: res.status, ms: Math.round(performance.now() - started) };
  } catch (error) {
    return { name, url: `${url.origin}${url.pathname === '/' ? '' : url.pathname}`, reachable: false, error: errorType(error), ms: Math.round(performance.now() - started) };
  }
}
