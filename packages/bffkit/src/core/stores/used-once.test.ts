import { describe, expect, it } from 'vitest';
import { UsedOnce } from './used-once';

describe('UsedOnce', () => {
  it('accepts a value once, refuses it again until it expires', () => {
    const memory = new UsedOnce();
    expect(memory.claim('state', 'abc', 600, 1000)).toBe(true);
    expect(memory.claim('state', 'abc', 600, 1001)).toBe(false);
    expect(memory.claim('state', 'abc', 600, 1599)).toBe(false);
    expect(memory.claim('state', 'abc', 600, 1600)).toBe(true);
  });

  it('keeps kinds apart', () => {
    const memory = new UsedOnce();
    expect(memory.claim('state', 'x', 600, 0)).toBe(true);
    expect(memory.claim('jti', 'x', 600, 0)).toBe(true);
  });

  it('forgets expired values so memory does not grow', () => {
    const memory = new UsedOnce();
    for (let i = 0; i < 1000; i++) memory.claim('state', `v${i}`, 10, i);
    expect((memory as unknown as { seen: Map<string, number> }).seen.size).toBeLessThanOrEqual(11);
  });
});
