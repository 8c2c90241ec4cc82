import { afterEach, describe, expect, it, vi } from 'vitest';
import { announce, onRemoteSessionEvent, onSessionEvent, resetSessionEvents } from './events';
import type { BroadcastMessage, SessionEvent } from './events';

const session = {
  status: 'authenticated' as const,
  user: { id: '1', email: 'demo@example.com', name: 'Demo User' },
  expiresAt: 1_900_000_000_000,
};

/** Resolves with the next message a channel receives, or null after `ms`. */
function nextMessage(channel: BroadcastChannel, ms = 500): Promise<unknown> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), ms);
    channel.onmessage = (event: MessageEvent) => {
      clearTimeout(timer);
      resolve(event.data);
    };
  });
}

describe('session events', () => {
  const otherTabs: BroadcastChannel[] = [];
  function otherTab(): BroadcastChannel {
    const channel = new BroadcastChannel('bffkit');
    otherTabs.push(channel);
    return channel;
  }

  afterEach(() => {
    for (const channel of otherTabs.splice(0)) channel.close();
    resetSessionEvents();
    vi.unstubAllGlobals();
  });

  it('delivers an event to every local listener synchronously', () => {
    const a: SessionEvent[] = [];
    const b: SessionEvent[] = [];
    onSessionEvent((event) => a.push(event));
    onSessionEvent((event) => b.push(event));
    announce({ type: 'signed-in', session });
    expect(a).toEqual([{ type: 'signed-in', session }]);
    expect(b).toEqual(a);
  });

  it('stops delivering after unsubscribe', () => {
    const seen: SessionEvent[] = [];
    const off = onSessionEvent((event) => seen.push(event));
    off();
    announce({ type: 'signed-out' });
    expect(seen).toEqual([]);
  });

  it('lets a listener unsubscribe while an event is being delivered', () => {
    const seen: string[] = [];
    const offFirst = onSessionEvent(() => {
      seen.push('first');
      offFirst();
    });
    onSessionEvent(() => seen.push('second'));
    announce({ type: 'session-ended' });
    announce({ type: 'session-ended' });
    expect(seen).toEqual(['first', 'second', 'second']);
  });

  it('broadcasts only the event type to other tabs, never the user', async () => {
    const tab = otherTab();
    const received = nextMessage(tab);
    announce({ type: 'signed-in', session });
    expect(await received).toEqual({ type: 'signed-in' });
  });

  it('hands messages from other tabs to remote listeners, not local ones', async () => {
    const remote: BroadcastMessage[] = [];
    const local: SessionEvent[] = [];
    onSessionEvent((event) => local.push(event));
    const got = new Promise<void>((resolve) =>
      onRemoteSessionEvent((message) => {
        remote.push(message);
        resolve();
      }),
    );
    otherTab().postMessage({ type: 'signed-out' });
    await got;
    expect(remote).toEqual([{ type: 'signed-out' }]);
    expect(local).toEqual([]);
  });

  it('does not echo its own broadcasts back to this tab', async () => {
    const remote: BroadcastMessage[] = [];
    onRemoteSessionEvent((message) => remote.push(message));
    const tab = otherTab();
    const received = nextMessage(tab);
    announce({ type: 'session-ended' });
    await received;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(remote).toEqual([]);
  });

  it('ignores malformed messages from other tabs', async () => {
    const remote: BroadcastMessage[] = [];
    onRemoteSessionEvent((message) => remote.push(message));
    const tab = otherTab();
    for (const junk of [null, 'signed-out', { type: 'admin' }, { type: 42 }, [1]]) tab.postMessage(junk);
    tab.postMessage({ type: 'session-ended', extra: 'dropped' });
    await vi.waitFor(() => expect(remote).toHaveLength(1));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(remote).toEqual([{ type: 'session-ended' }]);
  });

  it('still notifies local listeners where BroadcastChannel does not exist', () => {
    vi.stubGlobal('BroadcastChannel', undefined);
    const seen: SessionEvent[] = [];
    onSessionEvent((event) => seen.push(event));
    expect(() => onRemoteSessionEvent(() => {})).not.toThrow();
    announce({ type: 'signed-out' });
    expect(seen).toEqual([{ type: 'signed-out' }]);
  });
});
