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

/** Options of {@link memoryRefreshCoordinator}. */
export interface MemoryRefreshCoordinatorOptions {
  /** Most successor records kept at once; the oldest go first. @default 10_000 */
  maxEntries?: number;
  /** Milliseconds clock (tests inject one). @default Date.now */
  now?: () => number;
}

/**
 * The in-process coordinator: right for a single instance and for tests.
 *
 * @example
 * createBff({ ..., refresh: { coordinator: memoryRefreshCoordinator() } });
 */
export function memoryRefreshCoordinator(options: MemoryRefreshCoordinatorOptions = {}): RefreshCoordinator {
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const locks = new Map<string, number>();
  const successors = new Map<string, { value: string; expires: number }>();

  return {
    async acquire(key, ttlSeconds) {
      const held = locks.get(key);
      if (held !== undefined && held > now()) return null;
      const token = now() + ttlSeconds * 1000;
      locks.set(key, token);
      return async () => {
        if (locks.get(key) === token) locks.delete(key);
      };
    },
    async getSuccessor(key) {
      const entry = successors.get(key);
      if (!entry) return null;
      if (entry.expires <= now()) {
        successors.delete(key);
        return null;
      }
      return entry.value;
    },
    async setSuccessor(key, value, ttlSeconds) {
      successors.delete(key);
      successors.set(key, { value, expires: now() + ttlSeconds * 1000 });
      // Why bounded: a flood of refreshes must not grow memory without limit. Maps keep insertion
      // order, so the first keys are the oldest.
      while (successors.size > maxEntries) {
        const oldest = successors.keys().next().value;
        if (oldest === undefined) break;
        successors.delete(oldest);
      }
    },
  };
}
