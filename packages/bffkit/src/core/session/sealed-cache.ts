/**
 * A small cache of what sealed cookie values open to.
 *
 * Why a cache keyed by the exact sealed string is safe: GCM already authenticated that exact value
 * under our keys, so what it opens to cannot differ for the same string. Lifetimes, revocation and
 * the store are still checked on every read. It saves the decrypt when proxy.ts and the route
 * handler of the same request both read the session.
 * Entries are indexed by the value's tail (inside the random-looking GCM tag) and keep the whole
 * value, compared in full before use: hashing a 1-4 KB string on every lookup cost a quarter of a
 * cold read. A tail collision is only a miss.
 */

/** Most entries kept; the oldest go first. */
const MAX_ENTRIES = 1000;
/** Characters of a sealed value's tail used as its index (all inside the 16-byte tag). */
const INDEX_CHARS = 20;

/** What sealed values opened to, most recent {@link MAX_ENTRIES}. */
export class SealedCache<T> {
  private readonly entries = new Map<string, { value: string; opened: T }>();

  /**
   * What `value` opened to last time, or undefined.
   *
   * @example
   * const session = cache.get(sealed) ?? open(sealed);
   */
  get(value: string): T | undefined {
    const hit = this.entries.get(value.slice(-INDEX_CHARS));
    return hit !== undefined && hit.value === value ? hit.opened : undefined;
  }

  /** Remembers what `value` opens to. */
  set(value: string, opened: T): void {
    if (this.entries.size >= MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(value.slice(-INDEX_CHARS), { value, opened });
  }
}
