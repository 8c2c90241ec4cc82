import { createHash } from 'node:crypto';
import { ONE_MINUTE } from '../time';

export const TEN_MINUTES = 10 * ONE_MINUTE;

/** Most values remembered at once; the oldest are forgotten first. */
const MAX_ENTRIES = 100_000;

/**
 * Remembers values that may be used only once (a login's `state`, a logout token's `jti`) until they
 * expire. Per process: across instances the provider's own single use of authorization codes and the
 * cleared transaction cookie are what stop a replay; this refuses it before the provider is even asked.
 */
export class UsedOnce {
  private readonly seen = new Map<string, number>();

  /**
   * True the first time `value` is claimed within `ttl` seconds, false on every later claim.
   *
   * @example
   * if (!ctx.usedOnce.claim('state', state, TEN_MINUTES, now)) return replayed();
   */
  claim(kind: string, value: string, ttl: number, now: number): boolean {
    // Hashes, never the values: nothing secret stays in memory longer than the request.
    const key = createHash('sha256').update(`${kind}\0${value}`).digest('base64url');
    const until = this.seen.get(key);
    if (until !== undefined && until > now) return false;
    this.seen.delete(key);
    this.seen.set(key, now + ttl);
    this.prune(now);
    return true;
  }

  private prune(now: number): void {
    // Map order is insertion order: the front holds the oldest claims.
    for (const [key, until] of this.seen) {
      if (until > now && this.seen.size <= MAX_ENTRIES) break;
      this.seen.delete(key);
    }
  }
}
