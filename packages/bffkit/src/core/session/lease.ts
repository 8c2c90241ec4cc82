import type { RefreshLease } from '../stores/refresh-coordinator';

/** What {@link keepLease} reports as it goes (milliseconds since the lease was taken). */
export interface LeaseReport {
  renewed(heldMs: number): void;
  /** The lease was no longer ours at a renewal: another caller may be refreshing the same token. */
  lost(heldMs: number): void;
}

/** Renewals are this fraction of the lease apart: two may fail (a slow coordinator) before it lapses. */
const RENEW_FRACTION = 1 / 3;
const MIN_RENEW_MS = 50;

/**
 * Keeps a refresh lock while the refresh runs: renews it to `ttlSeconds` every third of that, so a
 * backend slower than the lock's TTL never lets a second caller take the lock and present the same
 * refresh token (which a rotating backend would treat as reuse). A renewal that throws (coordinator
 * unreachable) is tried again at the next tick; one that answers false (the lease lapsed and someone
 * else may hold it) is reported once and renewing stops. Call `stop()` when the refresh is done.
 *
 * @example
 * const keeper = keepLease(lease, config.lockTimeout, report);
 * try { await backend.refresh(token); } finally { keeper.stop(); await lease.release(); }
 */
export function keepLease(lease: RefreshLease, ttlSeconds: number, report: LeaseReport): { stop(): void } {
  const started = performance.now();
  const every = Math.max(MIN_RENEW_MS, ttlSeconds * 1000 * RENEW_FRACTION);
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const schedule = () => {
    timer = setTimeout(() => void tick(), every);
    // A renewal is no reason to keep a process alive (the refresh it protects is).
    (timer as { unref?: () => void }).unref?.();
  };
  const tick = async () => {
    if (stopped) return;
    let ours: boolean;
    try {
      ours = await lease.renew(ttlSeconds);
    } catch {
      // Unknown (the coordinator did not answer): the lease may still be ours; try again.
      if (!stopped) schedule();
      return;
    }
    if (stopped) return;
    const heldMs = performance.now() - started;
    if (!ours) return report.lost(heldMs);
    report.renewed(heldMs);
    schedule();
  };
  schedule();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
