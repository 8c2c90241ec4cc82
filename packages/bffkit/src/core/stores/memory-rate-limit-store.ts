import type { RateLimitStore } from './rate-limit-store';

/**
 * An in-memory, bounded counter store for one instance.
 *
 * @example
 * createBff({ ..., loginRateLimit: { store: memoryRateLimitStore() } });
 */
export function memoryRateLimitStore(options: { maxKeys?: number; now?: () => number } = {}): RateLimitStore {
  const maxKeys = options.maxKeys ?? 100_000;
  const now = options.now ?? Date.now;
  const windows = new Map<string, { count: number; resetAt: number }>();

  const live = (key: string) => {
    const w = windows.get(key);
    if (w && w.resetAt <= now()) {
      windows.delete(key);
      return undefined;
    }
    return w;
  };
  const view = (w: { count: number; resetAt: number } | undefined) =>
    w ? { count: w.count, resetIn: Math.max(1, Math.ceil((w.resetAt - now()) / 1000)) } : { count: 0, resetIn: 0 };

  return {
    async get(key) {
      return view(live(key));
    },
    async increment(key, windowSeconds) {
      let w = live(key);
      if (!w) {
        w = { count: 0, resetAt: now() + windowSeconds * 1000 };
        windows.set(key, w);
        while (windows.size > maxKeys) {
          const oldest = windows.keys().next().value;
          if (oldest === undefined) break;
          windows.delete(oldest);
        }
      }
      w.count += 1;
      return view(w);
    },
    async decrement(key) {
      const w = live(key);
      if (w) w.count = Math.max(0, w.count - 1);
    },
    async reset(key) {
      windows.delete(key);
    },
  };
}
