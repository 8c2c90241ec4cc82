import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.resetModules();
  vi.doUnmock('next/cache');
  vi.doUnmock('next/server');
});

describe('requestTime: waiting for the request before reading the clock', () => {
  it("uses Next's io() when next/cache has it (Next ≥ 16.3)", async () => {
    const io = vi.fn(async () => undefined);
    const connection = vi.fn(async () => undefined);
    vi.doMock('next/cache', () => ({ io }));
    vi.doMock('next/server', () => ({ connection }));
    const { requestTime } = await import('./request-time');
    await requestTime();
    expect(io).toHaveBeenCalledTimes(1);
    expect(connection).not.toHaveBeenCalled();
  });

  it('falls back to connection() on older Next versions', async () => {
    const connection = vi.fn(async () => undefined);
    vi.doMock('next/cache', () => ({ io: undefined })); // what a namespace import of an older next/cache gives
    vi.doMock('next/server', () => ({ connection }));
    const { requestTime } = await import('./request-time');
    await requestTime();
    expect(connection).toHaveBeenCalledTimes(1);
  });

  it('resolves outside any Next request (unit tests, scripts) with the real next/cache', async () => {
    const { requestTime } = await import('./request-time');
    await expect(requestTime()).resolves.toBeUndefined();
  });
});
