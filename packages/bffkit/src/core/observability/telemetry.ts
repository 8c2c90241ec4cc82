import type { ResolvedConfig } from '../config';
import type { UpstreamCall } from '../forward/transport';
import type { CsrfResult } from '../http/csrf';
import type { SessionStrategy } from '../session/strategy';
import type { SessionData } from '../types';
import { Emitter, type EventSubject } from './emitter';
import type { BffEventType, EventFields, LoginMethod } from './events';
import { csrfRefusal, forwardRefusal, handoffFailure, loginFailure, tracedSend } from './http-observer';
import { Metrics } from './metrics';
import { NO_PROBE, observeRefresh, RotatedTokens, type RefreshProbe, type RefreshRun } from './refresh-observer';
import { endedReason, timedSessions, type EndWhy } from './session-observer';
import { Tracing } from './tracing';

/**
 * What the routes, the session code and the refresher report to: audit events, spans and metrics,
 * each a one-line call at its site. Built once per configuration ({@link BffContext.telemetry}).
 * With no `events` handler, no diagnostics and no OpenTelemetry, every method is a pass-through.
 */
export class Telemetry {
  readonly emitter: Emitter;
  readonly tracing: Tracing;
  readonly metrics = new Metrics();
  readonly propagate: boolean;
  private readonly rotated = new RotatedTokens();

  constructor(private readonly config: ResolvedConfig) {
    const o = config.observability;
    this.emitter = new Emitter(
      { handler: o.events, afterResponse: o.afterResponse, logger: config.logger, trustProxy: config.trustProxy, recent: o.diagnostics.enabled ? o.diagnostics.recentEvents : 0 },
      () => this.metrics.dropped(),
    );
    this.tracing = new Tracing(o.otel, config.logger);
    this.propagate = o.propagate;
    if (o.otel !== false) {
      this.tracing.whenMeter((meter) => this.metrics.attach(meter));
      this.emitter.onEvent = (event) => this.annotate(event);
    }
    for (const w of o.warnings) this.event('config.warning', w);
  }

  /** Whether anything observes (events, diagnostics or OpenTelemetry in use). */
  get observing(): boolean {
    return this.emitter.listening || this.tracing.tracer !== null;
  }

  /**
   * Runs one public entry point (route, forward, server-side call) as a request scope, optionally in
   * a span named `span`.
   *
   * @example
   * forward: (request, upstream) => ctx.telemetry.request(request, 'bffkit.forward', () => forwardRoute(ctx, request, upstream)),
   */
  request<T>(request: Request | null, span: string | null, fn: () => Promise<T>): Promise<T> {
    if (!this.observing) return fn();
    const attributes = request ? { 'http.request.method': request.method } : undefined;
    return this.emitter.scope(request, span ? () => this.tracing.inSpan(span, attributes, fn) : fn);
  }

  /** Runs an auth route action in a span `bffkit.<action>` with the response status. */
  route(action: string, request: Request, fn: () => Promise<Response>): Promise<Response> {
    if (!this.tracing.tracer) return fn();
    const attributes = { 'bffkit.route': action, 'http.request.method': request.method };
    return this.tracing.inSpan(`bffkit.${action.replace(/\//g, '.')}`, attributes, async (span) => {
      const response = await fn();
      span?.setAttribute('http.response.status_code', response.status);
      return response;
    });
  }

  /** Runs `fn` in a span (a pass-through without OpenTelemetry). */
  span<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return this.tracing.tracer ? this.tracing.inSpan(name, undefined, fn) : fn();
  }

  /**
   * Emits one audit event; `subject` names the session (or user) when the request's own is not the one.
   *
   * @example
   * ctx.telemetry.event('handoff.accepted', {}, session);
   */
  event<T extends BffEventType>(type: T, fields: EventFields[T], subject?: EventSubject | null): void {
    this.emitter.emit(type, fields, subject);
  }

  /** The request's session, once read: later events of the request carry it. */
  noteSession(session: SessionData): void {
    this.emitter.noteSession(session);
  }

  // ── sessions ──

  /** Spans one session load (`bffkit.session.load`) with its result. */
  load<T extends { kind: string }>(mode: string, fn: () => Promise<T>): Promise<T> {
    if (!this.tracing.tracer) return fn();
    return this.tracing.inSpan('bffkit.session.load', { 'bffkit.session.refresh_mode': mode }, async (span) => {
      const loaded = await fn();
      span?.setAttribute('bffkit.session.result', loaded.kind);
      return loaded;
    });
  }

  /** A request carried an expired session (idle or absolute timeout). */
  expired(session: SessionData, now: number): void {
    const reason = endedReason(session, now, this.config);
    if (reason && this.emitter.firstEnd(session.id)) this.event('session.ended', { reason }, session);
  }

  /** A request carried a cookie whose session was ended server-side (or is gone from the store). */
  gone(): void {
    this.event('session.ended', { reason: 'revoked' });
  }

  /** A session ended because the refresh could not go on. */
  ended(session: SessionData, why: EndWhy): void {
    if (this.emitter.firstEnd(session.id)) this.event('session.ended', { reason: why === 'no refresh token' ? 'no_refresh_token' : 'refresh_rejected' }, session);
  }

  /** The strategy with each operation timed (`bffkit.session.store.duration`) once metrics exist. */
  timed(sessions: SessionStrategy): SessionStrategy {
    return this.config.observability.otel === false ? sessions : timedSessions(sessions, this.metrics);
  }

  // ── refresh ──

  /** Observes one refresh flight: span `bffkit.refresh`, its events and metrics. */
  refresh<T extends RefreshRun>(key: string, run: (probe: RefreshProbe) => Promise<T>): Promise<T> {
    if (!this.observing) return run(NO_PROBE);
    return observeRefresh(this, this.rotated, key, run);
  }

  /** Spans one backend call (`bffkit.backend.<operation>`). */
  backend<T extends { ok: boolean }>(operation: 'login' | 'user' | 'refresh', fn: () => Promise<T>): Promise<T> {
    if (!this.tracing.tracer) return fn();
    const attributes = { 'bffkit.backend.kind': this.config.backend.kind };
    return this.tracing.inSpan(`bffkit.backend.${operation}`, attributes, async (span) => {
      const result = await fn();
      span?.setAttribute('bffkit.backend.result', result.ok ? 'ok' : String((result as { reason?: unknown }).reason));
      return result;
    });
  }

  // ── HTTP: refusals, sign-in failures, the upstream call ──

  /** Emits `csrf.rejected` when the check failed. */
  csrf(request: Request, result: CsrfResult): void {
    if (!result.ok) this.event('csrf.rejected', csrfRefusal(request, result.code));
  }

  /** Emits `forward.refused` for a refused forwarding target. */
  refused(upstream: string, request: Request, response: Response): void {
    this.event('forward.refused', forwardRefusal(upstream, request, response.status));
  }

  /** Emits `login.failed` (or `rate_limited`) for the error a sign-in ended with. */
  loginFailed(method: LoginMethod, error: unknown): void {
    const failure = loginFailure(error);
    if (failure.type === 'rate_limited') this.event('rate_limited', { attempt: 'login', retryAfter: failure.retryAfter });
    else this.event('login.failed', { method, reason: failure.reason });
  }

  /** Emits `handoff.refused` (or `rate_limited`) for the error a handoff ended with. */
  handoffFailed(error: unknown): void {
    const failure = handoffFailure(error);
    if (failure.type === 'rate_limited') this.event('rate_limited', { attempt: 'handoff', retryAfter: failure.retryAfter });
    else this.event('handoff.refused', { reason: failure.reason });
  }

  /** The transport for one forwarded call, traced (HTTP client span, `traceparent`), or undefined. */
  upstream(name: string): ((call: UpstreamCall) => Promise<Response>) | undefined {
    return tracedSend(this, name);
  }

  /** Span events, login metrics and event counts from an event (OpenTelemetry present). */
  private annotate(event: { type: BffEventType } & Record<string, unknown>): void {
    if (!this.tracing.api) return;
    this.metrics.event(event.type);
    if (event.type === 'login.succeeded' || event.type === 'login.failed') {
      const outcome = event.type === 'login.succeeded' ? 'success' : 'failure';
      this.metrics.login(String(event.method), outcome, event.reason as string | undefined);
      this.tracing.active()?.setAttributes({ 'bffkit.outcome': outcome, 'bffkit.failure.reason': event.reason as string | undefined });
    } else if (event.type === 'rate_limited') {
      this.metrics.login(String(event.attempt), 'failure', 'rate_limited');
    }
    const span = this.tracing.active();
    if (!span) return;
    const attributes: Record<string, string | number | boolean> = {};
    for (const [k, v] of Object.entries(event)) {
      if (k !== 'type' && k !== 'message' && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) attributes[`bffkit.${k}`] = v;
    }
    span.addEvent(`bffkit.${event.type}`, attributes);
  }
}
