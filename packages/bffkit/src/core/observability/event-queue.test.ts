import { afterEach, describe, expect, it, vi } from 'vitest';
import { deferred, recordingLogger } from '../testing/support';
import { EventQueue, HANDLER_TIMEOUT_MS, MAX_QUEUED_EVENTS, type AfterResponse } from './event-queue';
import type { BffEvent } from './events';

const event = (n: number) => ({ type: 'logout', n }) as unknown as BffEvent;

/** An afterResponse that keeps the tasks, so the test decides when "after the response" is. */
function heldTasks() {
  const tasks: (() => Promise<void>)[] = [];
  const afterResponse: AfterResponse = (task) => void tasks.push(task);
  return { tasks, afterResponse, runAll: () => Promise.all(tasks.splice(0).map((t) => t())) };
}

afterEach(() => vi.useRealTimers());

describe('EventQueue', () => {
  it('hands delivery to afterResponse and calls nothing before it runs', async () => {
    const seen: unknown[] = [];
    const held = heldTasks();
    const queue = new EventQueue((e) => void seen.push(e), held.afterResponse, recordingLogger());
    queue.push([event(1), event(2)]);
    expect(seen).toEqual([]);
    expect(held.tasks).toHaveLength(1);
    await held.runAll();
    expect(seen).toEqual([event(1), event(2)]);
    expect(queue.stats).toMatchObject({ delivered: 2, failed: 0, dropped: 0, pending: 0 });
  });

  it('delivers one event at a time, in order, even when the handler is slow', async () => {
    const order: string[] = [];
    const gates = [deferred<void>(), deferred<void>()];
    let calls = 0;
    const held = heldTasks();
    const queue = new EventQueue(async (e) => {
      const i = calls++;
      order.push(`start ${(e as unknown as { n: number }).n}`);
      await gates[i]!.promise;
      order.push(`end ${(e as unknown as { n: number }).n}`);
    }, held.afterResponse, recordingLogger());
    queue.push([event(1)]);
    queue.push([event(2)]);
    const drained = held.runAll();
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual(['start 1']);
    gates[0]!.resolve();
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual(['start 1', 'end 1', 'start 2']);
    gates[1]!.resolve();
    await drained;
    expect(order).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
  });

  it('logs a throwing or rejecting handler once, with the error name only, and goes on delivering', async () => {
    const logger = recordingLogger();
    const held = heldTasks();
    let n = 0;
    const queue = new EventQueue(() => {
      n += 1;
      if (n === 1) throw new TypeError('secret-looking detail');
      if (n === 2) return Promise.reject(new RangeError('x'));
    }, held.afterResponse, logger);
    queue.push([event(1), event(2), event(3)]);
    await held.runAll();
    expect(n).toBe(3);
    expect(queue.stats).toMatchObject({ delivered: 1, failed: 2 });
    expect(logger.lines).toEqual([{ level: 'error', message: expect.stringContaining('threw TypeError') }]);
    expect(JSON.stringify(logger.lines)).not.toContain('secret-looking');
  });

  it(`moves on from a handler that hangs longer than ${HANDLER_TIMEOUT_MS / 1000} s`, async () => {
    vi.useFakeTimers();
    const logger = recordingLogger();
    const held = heldTasks();
    const seen: number[] = [];
    const queue = new EventQueue((e) => {
      const n = (e as unknown as { n: number }).n;
      seen.push(n);
      return n === 1 ? new Promise(() => undefined) : undefined;
    }, held.afterResponse, logger);
    queue.push([event(1), event(2)]);
    const drained = held.runAll();
    await vi.advanceTimersByTimeAsync(HANDLER_TIMEOUT_MS + 1);
    await drained;
    expect(seen).toEqual([1, 2]);
    expect(logger.lines[0]?.message).toContain('took longer than');
  });

  it(`keeps at most ${MAX_QUEUED_EVENTS} waiting events, drops the rest, and warns once per overflow`, async () => {
    const logger = recordingLogger();
    const held = heldTasks();
    let dropped = 0;
    const queue = new EventQueue(() => undefined, held.afterResponse, logger, () => dropped++);
    queue.push(Array.from({ length: MAX_QUEUED_EVENTS + 5 }, (_, i) => event(i)));
    queue.push([event(-1)]);
    expect(queue.stats).toMatchObject({ dropped: 6, pending: MAX_QUEUED_EVENTS });
    expect(dropped).toBe(6);
    expect(logger.lines.filter((l) => l.level === 'warn')).toHaveLength(1);
    await held.runAll();
    expect(queue.stats).toMatchObject({ delivered: MAX_QUEUED_EVENTS, pending: 0 });
  });

  it('delivers an event pushed while the previous drain is finishing (no event is left behind)', async () => {
    // The push lands at every microtask offset after the first one, the drain's last turns included.
    for (let offset = 0; offset < 30; offset++) {
      const seen: number[] = [];
      const queue = new EventQueue((e) => void seen.push((e as unknown as { n: number }).n), (task) => void task(), recordingLogger());
      queue.push([event(1)]);
      for (let k = 0; k < offset; k++) await Promise.resolve();
      queue.push([event(2)]);
      await new Promise((r) => setTimeout(r, 5));
      expect([offset, ...seen]).toEqual([offset, 1, 2]);
    }
  });

  it('falls back to the next turn when afterResponse refuses (outside a request scope)', async () => {
    const seen: unknown[] = [];
    const queue = new EventQueue((e) => void seen.push(e), () => {
      throw new Error('after() outside a request scope');
    }, recordingLogger());
    queue.push([event(1)]);
    expect(seen).toEqual([]);
    await new Promise((r) => setImmediate(r));
    await queue.drain();
    expect(seen).toEqual([event(1)]);
  });
});
