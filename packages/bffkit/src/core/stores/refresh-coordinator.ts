/**
 * The two shared pieces that make refresh single-flight across requests (and, with a distributed
 * implementation such as the Redis one, across instances):
 * - a lock, so only one caller refreshes a given refresh token;
 * - a successor record: the new tokens, kept briefly under a hash of the OLD refresh token, so
 *   requests that lost the race, or still carry the previous cookie, reuse them instead of
 *   presenting the rotated token again (which a rotating backend treats as theft).
 * Values are opaque strings (bffkit seals them before they get here); keys are hashes, never tokens.
 */
export interface RefreshCoordinator {
  /** Takes the lock for `key` for at most `ttlSeconds`; returns a release function, or null if held elsewhere. */
  acquire(key: string, ttlSeconds: number): Promise<(() => Promise<void>) | null>;
  /** The successor record for `key`, if one is still kept. */
  getSuccessor(key: string): Promise<string | null>;
  /** Stores the successor record for `key` for `ttlSeconds`. */
  setSuccessor(key: string, value: string, ttlSeconds: number): Promise<void>;
}
