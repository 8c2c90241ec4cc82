import { createHash } from 'node:crypto';
import type { ResolvedConfig } from '../config';
import { deriveKeyRing, type KeyRing } from '../crypto/keys';
import { sealJson, unsealJson } from '../crypto/seal';
import { NO_TELEMETRY, type Telemetry } from '../observability/no-telemetry';
import { NO_PROBE, type RefreshProbe } from '../observability/refresh-observer';
import { tokensFromWire, tokensToWire } from './codec';
import { keepLease } from './lease';
import { accessTokenDue, serverRefreshSkew } from './lifetime';
import type { RefreshOptions } from '../backends/adapter';
import type { TokenSet } from '../types';

/** The outcome of a refresh: new tokens, or why there are none. */
export type RefreshOutcome =
  | { ok: true; tokens: TokenSet }
  | { ok: false; reason: 'rejected' | 'unavailable' | 'timeout'; /** A misconfiguration, for the log. */ problem?: string };

const POLL_MS = 25;
/** What a successor record holds when the backend refused the refresh token (no tokens to hand on). */
const REJECTED = { rejected: 1 } as const;
/**
 * Most rotation records followed in one refresh (each is one hop to a newer refresh token). A session
 * whose cookie cannot be rewritten (per-resource tokens fetched in Server Components, stateless
 * cookies) keeps its old refresh token, and each rotation since adds one hop.
 */
const MAX_ROTATION_HOPS = 8;

/**
 * Single-flight refresh. For one refresh token, exactly one caller talks to the backend:
 * 1. callers in this process share one promise;
 * 2. across processes, the coordinator's lock picks one refresher, and the others wait for the
 *    successor record it leaves behind;
 * 3. a request still carrying the old refresh token after the rotation finds the successor record
 *    and gets the same new tokens instead of presenting the rotated token again;
 * 4. the lock is a lease, renewed while the backend call runs: a refresh slower than `lockTimeout`
 *    keeps it, so no other caller presents the same token meanwhile (waiters give up after twice
 *    `lockTimeout` with `timeout`, never by refreshing themselves while the lock is held);
 * 5. a refresh token the backend refused is remembered as refused (in the successor record's place)
 *    for `successorTtl`: the requests that waited, and later ones with the same cookie, get the
 *    rejection without presenting it again (docs/security.md 12: exactly one attempt).
 * A refresh for another resource (RFC 8707, per-upstream tokens) has its own successor record but
 * shares the refresh token's lock, so one refresh token is never presented twice at once. When an
 * upstream uses such tokens, a refresh that rotates the token also leaves a rotation record (old →
 * new refresh token): a later refresh of the old token for any resource continues with the new one
 * instead of presenting the rotated token (which a rotating provider treats as theft).
 */
export class Refresher {
  private readonly inflight = new Map<string, Promise<RefreshOutcome>>();
  private readonly ring: KeyRing;
  /** Whether some upstream gets tokens for another resource (then rotation records are kept). */
  private readonly perResource: boolean;

  constructor(
    private readonly config: ResolvedConfig,
    private readonly telemetry: Telemetry = NO_TELEMETRY,
  ) {
    this.ring = deriveKeyRing(config.secrets, 'successor');
    this.perResource = [...config.upstreams.values()].some((u) => u.token.kind === 'resource');
  }

  /**
   * New tokens for `refreshToken`, refreshing at the backend at most once across all callers. With
   * `options.resource`, the access token answered is for that resource, and the refresh token is the
   * newest one (pass the DPoP key of the session in `options.dpopKey`).
   *
   * @example
   * const outcome = await refresher.refresh(session.tokens.refreshToken);
   */
  refresh(refreshToken: string, options: RefreshOptions = {}, hops = 0): Promise<RefreshOutcome> {
    // Why a hash: the key is stored (in Redis with a distributed coordinator); the token never is.
    const lock = sha256(refreshToken);
    const key = options.resource ? `${lock}.${sha256(`${options.resource}\n${options.scope ?? ''}`)}` : lock;
    let flight = this.inflight.get(key);
    if (!flight) {
      flight = this.telemetry.refresh(key, (probe) => this.run(lock, key, refreshToken, options, hops, probe)).finally(() => this.inflight.delete(key));
      this.inflight.set(key, flight);
    }
    return flight;
  }

  private async run(
    lock: string,
    key: string,
    refreshToken: string,
    options: RefreshOptions,
    hops: number,
    probe: RefreshProbe = NO_PROBE,
  ): Promise<RefreshOutcome> {
    const { coordinator, lockTimeout } = this.config;
    const deadline = Date.now() + lockTimeout * 1000 * 2;
    for (;;) {
      const known = await this.successor(key, refreshToken);
      if (known === 'rejected') return { ok: false, reason: 'rejected' };
      if (known) return probe.successor({ ok: true, tokens: known });
      const next = await this.rotatedTo(lock, hops);
      if (next) return this.refresh(next, options, hops + 1);
      const lease = await coordinator.acquire(lock, lockTimeout);
      if (lease) {
        probe.acquired();
        const keeper = keepLease(lease, lockTimeout, {
          renewed: (ms) => probe.leaseRenewed(ms),
          lost: (ms) => {
            this.config.logger.warn(
              `refresh: the refresh lock lapsed after ${Math.round(ms)} ms while the backend refresh was still running (the coordinator lost it or could not be reached); another instance may present the same refresh token`,
            );
            probe.leaseLost(ms);
          },
        });
        let rotated: string | null = null;
        try {
          // Another instance may have finished between our look-up and the lock.
          const late = await this.successor(key, refreshToken);
          if (late === 'rejected') return { ok: false, reason: 'rejected' };
          if (late) return probe.successor({ ok: true, tokens: late });
          rotated = await this.rotatedTo(lock, hops);
          if (!rotated) {
            const result = await probe.backend(() => this.config.backend.refresh(refreshToken, options));
            if (!result.ok) {
              if (result.reason === 'rejected') await coordinator.setSuccessor(key, sealJson(this.ring, REJECTED), this.config.successorTtl);
              return result;
            }
            await coordinator.setSuccessor(key, sealJson(this.ring, tokensToWire(result.value)), this.config.successorTtl);
            const fresh = result.value.refreshToken;
            if (this.perResource && fresh && fresh !== refreshToken) {
              // Kept as long as a session can live: a cookie that could not be rewritten still carries the
              // old token, and must continue with the new one instead of presenting a rotated token.
              await coordinator.setSuccessor(`${lock}.next`, sealJson(this.ring, { r: fresh }), this.config.absoluteTimeout);
            }
            return { ok: true, tokens: result.value };
          }
        } finally {
          keeper.stop();
          await lease.release();
        }
        return this.refresh(rotated, options, hops + 1);
      }
      probe.waiting();
      if (Date.now() > deadline) return probe.timedOut({ ok: false, reason: 'timeout' });
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  /** The refresh token that replaced this one (rotation record), when per-resource tokens are on. */
  private async rotatedTo(lock: string, hops: number): Promise<string | null> {
    if (!this.perResource || hops >= MAX_ROTATION_HOPS) return null;
    const sealed = await this.config.coordinator.getSuccessor(`${lock}.next`);
    const record = sealed ? unsealJson<{ r?: unknown }>(this.ring, sealed) : null;
    return typeof record?.r === 'string' ? record.r : null;
  }

  private async successor(key: string, refreshToken: string): Promise<TokenSet | 'rejected' | null> {
    const sealed = await this.config.coordinator.getSuccessor(key);
    const record = sealed ? unsealJson<unknown>(this.ring, sealed) : null;
    if ((record as { rejected?: unknown } | null)?.rejected === REJECTED.rejected) return 'rejected';
    const tokens = record ? tokensFromWire(record) : null;
    if (!tokens) return null;
    // A due record still shows the way when it names a newer refresh token (the caller hops on with it).
    // Why ignore it otherwise: a backend that does not rotate gives the same refresh token back, and its
    // record would hand out the same, by now expired, access token until the record ages out.
    const stale = accessTokenDue(tokens, this.config.clock(), serverRefreshSkew(this.config)) && (tokens.refreshToken ?? refreshToken) === refreshToken;
    return stale ? null : tokens;
  }
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}
