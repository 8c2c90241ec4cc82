import type { RefreshCoordinator } from './refresh-coordinator';

/** Options of {@link memoryRefreshCoordinator}. */
export interface MemoryRefreshCoordinatorOptions {
  /** Most successor records kept at once; the oldest go first. @default 10_000 */
  maxEntries?: number;
  /** Milliseconds clock (tests inject one). @default Date.now */
  now?: () => number;
}

/**
 * The in-process coordinator: right for a single instance and for tests. It is not `shared`: with
 * several instances and no distributed coordinator, see docs/multi-instance.md for what bffkit does.
 *
 * @example
 * createBff({ ..., refresh: { coordinator: memoryRefreshCoordinator() } });
 */
export function memoryRefreshCoordinator(options: MemoryRefreshCoordinatorOptions = {}): RefreshCoordinator {
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  /** Per key: the holding lease's identity and until when it holds. */
  const locks = new Map<string, { holder: object; until: number }>();
  const successors = new Map<string, { value: string; expires: number }>();
  const mine = (key: string, holder: object) => {
    const held = locks.get(key);
    return held !== undefined && held.holder === holder && held.until > now();
  };

  return {
    shared: false,
    async acquire(key, ttlSeconds) {
      const held = locks.get(key);
      if (held !== undefined && held.until > now()) return null;
      const holder = {};
      locks.set(key, { holder, until: now() + ttlSeconds * 1000 });
      return {
        async renew(ttl) {
          if (!mine(key, holder)) return false;
          locks.set(key, { holder, until: now() + ttl * 1000 });
          return true;
        },
        async release() {
          if (locks.get(key)?.holder === holder) locks.delete(key);
        },
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
