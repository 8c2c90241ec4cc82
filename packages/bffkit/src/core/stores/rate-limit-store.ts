/** Counts events per key within a fixed window. The Redis store provides a shared implementation. */
export interface RateLimitStore {
  /** Current count for `key` and seconds until its window resets (0 when no window is open). */
  get(key: string): Promise<{ count: number; resetIn: number }>;
  /** Adds one to `key`, opening a window of `windowSeconds` if none is open. */
  increment(key: string, windowSeconds: number): Promise<{ count: number; resetIn: number }>;
  /** Takes one back from `key` (an attempt that turned out to be a successful login). Never below zero. */
  decrement(key: string): Promise<void>;
  /** Forgets `key` (after a successful login). */
  reset(key: string): Promise<void>;
}
