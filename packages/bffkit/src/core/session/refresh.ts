import { createHash } from 'node:crypto';
import type { ResolvedConfig } from '../config';
import { deriveKeyRing, type KeyRing } from '../crypto/keys';
import { sealJson, unsealJson } from '../crypto/seal';
import { NO_TELEMETRY, type Telemetry } from '../observability/no-telemetry';
import { NO_PROBE, type RefreshProbe } from '../observability/refresh-observer';
import { tokensFromWire, tokensToWire } from './codec';
import type { TokenSet } from '../types';

/** The outcome of a refresh: new tokens, or why there are none. */
export type RefreshOutcome =
  | { ok: true; tokens: TokenSet }
  | { ok: false; reason: 'rejected' | 'unavailable' | 'timeout' };

const POLL_MS = 25;

/**
 * Single-flight refresh. For one refresh token, exactly one caller talks to the backend:
 * 1. callers in this process share one promise;
 * 2. across processes, the coordinator's lock picks one refresher, and the others wait for the
 *    successor record it leaves behind;
 * 3. a request still carrying the old refresh token after the rotation finds the successor record
 *    and gets the same new tokens instead of presenting the rotated token again.
 */
export class Refresher {
  private readonly inflight = new Map<string, Promise<RefreshOutcome>>();
  private readonly ring: KeyRing;

  constructor(private readonly config: ResolvedConfig, private readonly telemetry: Telemetry = NO_TELEMETRY) {
    this.ring = deriveKeyRing(config.secrets, 'successor');
  }

  /**
   * New tokens for `refreshToken`, refreshing at the backend at most once across all callers.
   *
   * @example
   * const outcome = await refresher.refresh(session.tokens.refreshToken);
   */
  refresh(refreshToken: string): Promise<RefreshOutcome> {
    // Why a hash: the key is stored (in Redis with a distributed coordinator); the token never is.
    const key = createHash('sha256').update(refreshToken).digest('base64url');
    let flight = this.inflight.get(key);
    if (!flight) {
      flight = this.telemetry.refresh(key, (probe) => this.run(key, refreshToken, probe)).finally(() => this.inflight.delete(key));
      this.inflight.set(key, flight);
    }
    return flight;
  }

  private async run(key: string, refreshToken: string, probe: RefreshProbe = NO_PROBE): Promise<RefreshOutcome> {
    const { coordinator, lockTimeout } = this.config;
    const deadline = Date.now() + lockTimeout * 1000 * 2;
    for (;;) {
      const known = await this.successor(key);
      if (known) return probe.successor({ ok: true, tokens: known });
      const release = await coordinator.acquire(key, lockTimeout);
      if (release) {
        probe.acquired();
        try {
          // Another instance may have finished between our look-up and the lock.
          const late = await this.successor(key);
          if (late) return probe.successor({ ok: true, tokens: late });
          const result = await probe.backend(() => this.config.backend.refresh(refreshToken));
          if (!result.ok) return result;
          await coordinator.setSuccessor(key, sealJson(this.ring, tokensToWire(result.value)), this.config.successorTtl);
          return { ok: true, tokens: result.value };
        } finally {
          await release();
        }
      }
      probe.waiting();
      if (Date.now() > deadline) return probe.timedOut({ ok: false, reason: 'timeout' });
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  private async successor(key: string): Promise<TokenSet | null> {
    const sealed = await this.config.coordinator.getSuccessor(key);
    return sealed ? tokensFromWire(unsealJson(this.ring, sealed)) : null;
  }
}
