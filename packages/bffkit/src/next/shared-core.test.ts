import { describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger';
import { APP, OTHER_SECRET, SECRET, fakeBackend, fakeClock } from '../core/testing/support';
import { sharedCore } from './shared-core';

const options = (over: Record<string, unknown> = {}) => ({
  secret: SECRET,
  baseUrl: APP,
  backend: fakeBackend(fakeClock()),
  logger: silentLogger,
  ...over,
});

describe('sharedCore', () => {
  it('answers the same core for the same configuration, as every Next bundle of a process must see', () => {
    // Each bundle builds its own options object and its own adapter instance: equal, not identical.
    expect(sharedCore(options())).toBe(sharedCore(options()));
  });

  it('answers another core for another configuration', () => {
    const a = sharedCore(options());
    expect(sharedCore(options({ secret: OTHER_SECRET }))).not.toBe(a);
    expect(sharedCore(options({ cookie: { name: 'other' } }))).not.toBe(a);
  });

  it('ignores functions when comparing (each bundle has its own copy of the same code)', () => {
    const a = sharedCore(options({ clock: () => 1 }));
    expect(sharedCore(options({ clock: () => 2 }))).toBe(a);
  });

  it('keeps no secret in what it compares: the registry key is a hash', () => {
    sharedCore(options());
    const registry = (globalThis as Record<symbol, Map<string, unknown>>)[Symbol.for('bffkit.next.cores.v1')]!;
    for (const key of registry.keys()) {
      expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(key).not.toContain(SECRET);
    }
  });
});
