import type { OtelSpan } from './otel-api';
import type { Telemetry } from './telemetry';

/** The outcome shape a refresh flight resolves with (see session/refresh.ts). */
export type RefreshRun = { ok: true } | { ok: false; reason: 'rejected' | 'unavailable' | 'timeout' };

/**
 * What one refresh flight tells the telemetry as it goes: each method is called at one point of the
 * refresher's loop and passes its value through, so the loop keeps its shape.
 */
export interface RefreshProbe {
  /** The tokens came from the successor record (another request or instance refreshed). */
  successor<T>(outcome: T): T;
  /** The coordinator's lock was taken by someone else: this flight waits. */
  waiting(): void;
  /** This flight holds the lock now. */
  acquired(): void;
  /** The backend refresh call itself (span `bffkit.backend.refresh`). */
  backend<T extends { ok: boolean }>(call: () => Promise<T>): Promise<T>;
  /** Gave up waiting for the lock. */
  timedOut<T>(outcome: T): T;
  /** The lock's lease was renewed while the backend refresh ran (a refresh slower than a third of `lockTimeout`). */
  leaseRenewed(heldMs: number): void;
  /** The lease was no longer ours at a renewal: another instance may present the same refresh token. */
  leaseLost(heldMs: number): void;
}

/** The probe of an unobserved flight: values pass straight through. */
export const NO_PROBE: RefreshProbe = {
  successor: (outcome) => outcome,
  waiting() {},
  acquired() {},
  backend: (call) => call(),
  timedOut: (outcome) => outcome,
  leaseRenewed() {},
  leaseLost() {},
};

/** Most rotated refresh tokens remembered (their SHA-256 keys, ~100 bytes each). */
const MAX_ROTATED = 10_000;

/**
 * The refresh tokens this process has rotated (by hash, never the token), so that a later refresh
 * with one of them can be reported as suspected reuse. Bounded: the oldest are forgotten first.
 */
export class RotatedTokens {
  private readonly keys = new Set<string>();

  add(key: string): void {
    this.keys.add(key);
    if (this.keys.size > MAX_ROTATED) this.keys.delete(this.keys.values().next().value as string);
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }
}

class Probe implements RefreshProbe {
  fromSuccessor = false;
  private waitStart = 0;
  private waitSpan: OtelSpan | null = null;

  constructor(
    private readonly t: Telemetry,
    private readonly rotated: RotatedTokens,
    private readonly key: string,
  ) {}

  successor<T>(outcome: T): T {
    this.fromSuccessor = true;
    this.endWait('successor');
    return outcome;
  }

  waiting(): void {
    if (this.waitStart) return;
    this.waitStart = performance.now();
    this.waitSpan = this.t.tracing.start('bffkit.refresh.lock_wait');
  }

  acquired(): void {
    this.endWait('acquired');
  }

  async backend<T extends { ok: boolean }>(call: () => Promise<T>): Promise<T> {
    // This process rotated that token already, and its successor record is gone: an old cookie again.
    if (this.rotated.has(this.key)) this.t.event('refresh.reuse_suspected', {});
    const result = await this.t.backend('refresh', call);
    if (result.ok) this.rotated.add(this.key);
    return result;
  }

  timedOut<T>(outcome: T): T {
    this.endWait('timeout');
    return outcome;
  }

  leaseRenewed(heldMs: number): void {
    this.t.event('refresh.lease_renewed', { heldMs: Math.round(heldMs) });
  }

  leaseLost(heldMs: number): void {
    this.t.event('refresh.lease_lost', { heldMs: Math.round(heldMs) });
  }

  private endWait(result: 'successor' | 'acquired' | 'timeout'): void {
    if (!this.waitStart) return;
    const ms = performance.now() - this.waitStart;
    this.waitStart = 0;
    this.waitSpan?.setAttribute('bffkit.refresh.lock_wait.result', result);
    if (result === 'timeout' && this.waitSpan) this.t.tracing.fail(this.waitSpan, 'timeout');
    this.waitSpan?.end();
    this.t.metrics.lockWait(ms / 1000, result);
    this.t.event('refresh.lock_waited', { waitedMs: Math.round(ms), result });
  }
}

/**
 * Runs one refresh flight in a `bffkit.refresh` span and reports what happened: `refresh.succeeded`,
 * `refresh.rejected`, `refresh.failed`, `refresh.successor_used`, and the refresh duration metric.
 *
 * @example
 * return observeRefresh(telemetry, rotated, key, (probe) => this.run(key, refreshToken, probe));
 */
export function observeRefresh<T extends RefreshRun>(t: Telemetry, rotated: RotatedTokens, key: string, run: (probe: RefreshProbe) => Promise<T>): Promise<T> {
  return t.tracing.inSpan('bffkit.refresh', undefined, async (span) => {
    const probe = new Probe(t, rotated, key);
    const started = performance.now();
    const outcome = await run(probe);
    const ms = performance.now() - started;
    const result = outcome.ok ? (probe.fromSuccessor ? 'successor' : 'success') : outcome.reason;
    span?.setAttribute('bffkit.refresh.result', result);
    if (!outcome.ok && span) t.tracing.fail(span, outcome.reason);
    t.metrics.refresh(ms / 1000, result);
    const durationMs = Math.round(ms);
    if (probe.fromSuccessor) {
      t.metrics.successorHit();
      t.event('refresh.successor_used', {});
    } else if (outcome.ok) t.event('refresh.succeeded', { durationMs });
    else if (outcome.reason === 'rejected') t.event('refresh.rejected', { durationMs });
    else t.event('refresh.failed', { reason: outcome.reason, durationMs });
    return outcome;
  });
}
