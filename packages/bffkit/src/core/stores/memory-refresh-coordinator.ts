import type { RefreshCoordinator } from './refresh-coordinator';

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
