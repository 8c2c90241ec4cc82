/**
 * The two shared pieces that make refresh single-flight across requests (and, with a distributed
 * implementation such as the Redis one, across instances):
 * - a lock, so only one caller refreshes a given refresh token; it is a lease: it lapses by itself
 *   after its TTL (a holder that crashed never blocks the token for good), and the holder renews it
 *   while its refresh is still running (a slow backend never lets a second caller in);
 * - a successor record: the new tokens, kept briefly under a hash of the OLD refresh token, so
 *   requests that lost the race, or still carry the previous cookie, reuse them instead of
 *   presenting the rotated token again (which a rotating backend treats as theft).
 * Values are opaque strings (bffkit seals them before they get here); keys are hashes, never tokens.
 */
export interface RefreshCoordinator {
  /**
   * Whether every instance of the app sees the same locks and records (true for Redis). With an
   * in-process coordinator (false), bffkit refreshes a session's token on the server only once it is
   * no longer usable, and leaves refreshing ahead of expiry to the browser (docs/multi-instance.md).
   */
  readonly shared: boolean;
  /** Takes the lock for `key` for `ttlSeconds`; answers its lease, or null when someone else holds it. */
  acquire(key: string, ttlSeconds: number): Promise<RefreshLease | null>;
  /** The successor record for `key`, if one is still kept. */
  getSuccessor(key: string): Promise<string | null>;
  /** Stores the successor record for `key` for `ttlSeconds`. */
  setSuccessor(key: string, value: string, ttlSeconds: number): Promise<void>;
}

/** A held refresh lock. */
export interface RefreshLease {
  /**
   * Extends the lock to `ttlSeconds` from now, if it is still this lease's. Answers false when it is
   * not (it lapsed and another caller took it, or the coordinator lost it: a Redis restarted without
   * persistence); then another caller may be refreshing the same token. Throws when the coordinator
   * cannot be reached (the caller tries again at its next renewal).
   */
  renew(ttlSeconds: number): Promise<boolean>;
  /** Releases the lock if it is still this lease's (never another holder's). Never throws. */
  release(): Promise<void>;
}
