import { describe, expect, it, vi } from 'vitest';

const scheduled: (() => unknown)[] = [];
vi.mock('next/server', () => ({ after: (task: () => unknown) => void scheduled.push(task) }));

const { withNextAfter } = await import('./after-response');
const base = { secret: 'x'.repeat(32), baseUrl: 'http://localhost:3000', backend: {} as never };

describe('withNextAfter', () => {
  it("hands event delivery to Next's after() when there is an events handler", () => {
    const options = withNextAfter({ ...base, events: () => undefined });
    const task = async () => undefined;
    options.afterResponse!(task);
    expect(scheduled).toEqual([task]);
  });

  it("keeps the app's own afterResponse, and adds nothing without a handler", () => {
    const own = () => undefined;
    expect(withNextAfter({ ...base, events: () => undefined, afterResponse: own }).afterResponse).toBe(own);
    expect(withNextAfter(base).afterResponse).toBeUndefined();
  });
});
