import { DiagnosticLog } from './backends/diagnostics';
import { observeBackend } from './backends/observed-backend';
import { createTokenVerifier, type TokenVerifier } from './backends/token-verifier';
import type { BackendResult } from './backends/adapter';
import type { ResolvedConfig } from './config';
import { Flights } from './credential/flights';
import { MachineTokens } from './credential/machine-tokens';
import { DpopHandles } from './dpop/handles';
import { Telemetry } from './observability/telemetry';
import { TransactionCookie } from './routes/oidc/transaction';
import { Refresher } from './session/refresh';
import { SessionCookie } from './session/session-cookie';
import { chooseSessionStrategy, type SessionStrategy } from './session/strategy';
import { UsedOnce } from './stores/used-once';
import type { UpstreamToken } from './types';

/**
 * Everything built once per configuration (keys derived, caches and memories created): what every
 * route action and server-side helper gets. The one owner of per-configuration state.
 */
export interface BffContext {
  readonly config: ResolvedConfig;
  /** Where sessions live (sealed cookie or store), chosen once. */
  readonly sessions: SessionStrategy;
  /** Reads and writes the session cookie. */
  readonly cookie: SessionCookie;
  /** Single-flight refresh. */
  readonly refresher: Refresher;
  /** The OpenID Connect login transaction cookie. */
  readonly transactions: TransactionCookie;
  /** Values that may be used only once (a login's `state`, a logout token's `jti`). */
  readonly usedOnce: UsedOnce;
  /** Verifies handed-off tokens; undefined when the handoff route is off. */
  readonly handoffVerifier: TokenVerifier | undefined;
  /** DPoP handles of the sessions' keys (proofs and server nonces for upstream calls). */
  readonly dpop: DpopHandles;
  /** Client-credentials tokens of this app, per upstream policy. */
  readonly machineTokens: MachineTokens;
  /** Token exchanges in flight, per session and upstream policy. */
  readonly exchanges: Flights<BackendResult<UpstreamToken>>;
  /** Audit events, spans and metrics: one-line calls from the routes and the session code. */
  readonly telemetry: Telemetry;
}

/**
 * Builds the context of a validated configuration.
 *
 * @example
 * const ctx = createContext(resolveConfig(options));
 */
export function createContext(resolved: ResolvedConfig): BffContext {
  // Every backend call made through the context is observed: a failure logs one diagnostic line per
  // spell (step and kind), with a hint and never a secret.
  const config: ResolvedConfig = { ...resolved, backend: observeBackend(resolved.backend, new DiagnosticLog(resolved.logger, resolved.clock)) };
  const telemetry = new Telemetry(config);
  const sessions = telemetry.timed(chooseSessionStrategy(config));
  return {
    config,
    sessions,
    cookie: new SessionCookie(config, sessions, telemetry),
    refresher: new Refresher(config, telemetry),
    transactions: new TransactionCookie(config),
    usedOnce: new UsedOnce(),
    handoffVerifier: config.handoff ? createTokenVerifier(config.handoff, config.backend) : undefined,
    dpop: new DpopHandles(),
    machineTokens: new MachineTokens(config),
    exchanges: new Flights(),
    telemetry,
  };
}

/** One route action: a request in, a response out. */
export type RouteAction = (ctx: BffContext, request: Request) => Promise<Response>;
