import { createHash } from 'node:crypto';
import { ConfigError } from '../errors';
import type { AfterResponse } from './event-queue';
import type { BffEventHandler, ConfigWarningCode } from './events';
import type { OpenTelemetryApi } from './otel-api';

/** The observability part of {@link BffOptions}: audit events, OpenTelemetry, the diagnostics endpoint. */
export interface ObservabilityOptions {
  /**
   * Receives every audit event (sign-ins, sign-outs, refreshes, refusals; see docs/observability.md),
   * one call per event, in order, after the response is built: a request never waits for it, and a
   * handler that throws, rejects or hangs is logged once and changes no response. Events never hold a
   * token, password, cookie value or secret.
   * @default undefined (no events)
   */
  events?: BffEventHandler;
  /**
   * Runs event delivery after the response (`bffkit/next` passes Next's `after()`; elsewhere pass your
   * platform's `waitUntil`, so a serverless instance stays up until events are delivered).
   * @default the next turn of the event loop
   */
  afterResponse?: AfterResponse;
  openTelemetry?: {
    /**
     * `'auto'`: use `@opentelemetry/api` when it is installed (imported once, lazily; nothing is loaded
     * or measured when it is absent). `false`: never. Or the API module itself
     * (`import * as api from '@opentelemetry/api'`), used at once.
     * @default 'auto'
     */
    api?: 'auto' | false | OpenTelemetryApi;
    /**
     * Send a W3C `traceparent` to upstreams on forwarded and server-side calls, so the backend's spans
     * join the trace. Only when OpenTelemetry is present and a span is active; `tracestate` and
     * `baggage` are never sent (they may carry what a browser sent).
     * @default true
     */
    propagate?: boolean;
  };
  /**
   * `GET {basePath}/diagnostics`: resolved configuration (secrets masked), the caller's session
   * lifetimes and token expiry (never the tokens), recent events, upstream reachability. JSON.
   */
  diagnostics?: {
    /** @default true only when NODE_ENV is 'development' */
    enabled?: boolean;
    /**
     * Callers must send `Authorization: Bearer <token>` (compared in constant time). Required, at
     * least 32 characters, to enable diagnostics when NODE_ENV is 'production'.
     * @default undefined (no token asked: development only)
     */
    token?: string;
    /** How many recent events the endpoint keeps and shows (0–500). @default 50 */
    recentEvents?: number;
  };
}

/** The validated observability settings. */
export interface ResolvedObservability {
  events: BffEventHandler | undefined;
  afterResponse: AfterResponse | undefined;
  otel: 'auto' | false | OpenTelemetryApi;
  propagate: boolean;
  diagnostics: { enabled: boolean; tokenHash: Buffer | undefined; recentEvents: number };
  /** Warnings about this configuration (emitted once as `config.warning` events). */
  warnings: { code: ConfigWarningCode; message: string }[];
}

const MIN_TOKEN = 32;

/**
 * Validates the observability options once. Throws {@link ConfigError} naming the field.
 *
 * @example
 * const observability = resolveObservability(options, process.env.NODE_ENV);
 */
export function resolveObservability(options: ObservabilityOptions, nodeEnv: string | undefined): ResolvedObservability {
  if (options.events !== undefined && typeof options.events !== 'function') throw new ConfigError('events', 'must be a function (event) => void');
  if (options.afterResponse !== undefined && typeof options.afterResponse !== 'function') {
    throw new ConfigError('afterResponse', 'must be a function (task) => void');
  }
  const otel = options.openTelemetry?.api ?? 'auto';
  if (otel !== 'auto' && otel !== false && !(otel && typeof otel === 'object' && 'trace' in otel)) {
    throw new ConfigError('openTelemetry.api', "must be 'auto', false or the @opentelemetry/api module");
  }
  const d = options.diagnostics ?? {};
  const production = nodeEnv === 'production';
  const enabled = d.enabled ?? nodeEnv === 'development';
  if (typeof enabled !== 'boolean') throw new ConfigError('diagnostics.enabled', 'must be a boolean');
  if (d.token !== undefined && (typeof d.token !== 'string' || d.token.length < MIN_TOKEN)) {
    throw new ConfigError('diagnostics.token', `must be a string of at least ${MIN_TOKEN} characters`);
  }
  // Why: the endpoint shows every user's recent events; in production it never opens without its own secret.
  if (enabled && production && d.token === undefined) {
    throw new ConfigError('diagnostics.token', `is required (at least ${MIN_TOKEN} characters) to enable diagnostics when NODE_ENV is production`);
  }
  const recentEvents = d.recentEvents ?? 50;
  if (!Number.isInteger(recentEvents) || recentEvents < 0 || recentEvents > 500) throw new ConfigError('diagnostics.recentEvents', 'must be a whole number from 0 to 500');
  const warnings: ResolvedObservability['warnings'] = [];
  if (enabled && production) {
    warnings.push({ code: 'diagnostics_in_production', message: 'the diagnostics endpoint is enabled in production (its token is required)' });
  }
  return {
    events: options.events,
    afterResponse: options.afterResponse,
    otel,
    propagate: options.openTelemetry?.propagate ?? true,
    // Kept as a hash: the comparison is over fixed-length digests, and the token itself is not kept.
    diagnostics: { enabled, tokenHash: d.token === undefined ? undefined : createHash('sha256').update(d.token).digest(), recentEvents },
    warnings,
  };
}
