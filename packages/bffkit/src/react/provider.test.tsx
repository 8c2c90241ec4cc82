import { Suspense } from 'react';
import { renderToReadableStream, renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { ClientSession } from '../core/types';
import { SessionProvider } from './provider';
import { useSession, useSessionActions } from './use-session';

function Status() {
  const { status, user, expiresAt } = useSession();
  return <p>{`${status}|${user?.name ?? ''}|${expiresAt ?? ''}`}</p>;
}

describe('SessionProvider on the server', () => {
  it('renders the seeded session with no loading state and without touching window', () => {
    const session = { status: 'authenticated' as const, user: { id: '1', name: 'Demo User' }, expiresAt: 42 };
    const html = renderToString(
      <SessionProvider session={session}>
        <Status />
      </SessionProvider>,
    );
    expect(html).toContain('authenticated|Demo User|42');
  });

  it('renders signed out when the server says so', () => {
    const html = renderToString(
      <SessionProvider session={{ status: 'unauthenticated' }}>
        <Status />
      </SessionProvider>,
    );
    expect(html).toContain('unauthenticated||');
  });

  it('renders loading only when no session was given', () => {
    const html = renderToString(
      <SessionProvider>
        <Status />
      </SessionProvider>,
    );
    expect(html).toContain('loading||');
  });

  it('makes useSession throw a TypeError outside a provider', () => {
    expect(() => renderToString(<Status />)).toThrow(TypeError);
  });
});

function Actions() {
  const { signIn, signOut, refetch } = useSessionActions();
  return <p>{`actions:${[signIn, signOut, refetch].map((f) => typeof f).join(',')}`}</p>;
}

describe('SessionProvider seeded with a promise (Cache Components: the layout does not await)', () => {
  it('renders its children at once: the shell has the fallback, the session streams in once it resolves', async () => {
    let resolve!: (s: ClientSession) => void;
    const session = new Promise<ClientSession>((r) => (resolve = r));
    // In a host element, as in a real layout (<body>): React holds back a shell whose root is a boundary.
    const stream = await renderToReadableStream(
      <SessionProvider session={session}>
        <main>
          <p>static part</p>
          <Suspense fallback={<p>waiting for the session</p>}>
            <Status />
          </Suspense>
          <Actions />
        </main>
      </SessionProvider>,
    );
    const reader = stream.getReader();
    const decoder = new TextDecoder();
    const shell = decoder.decode((await reader.read()).value);
    expect(shell).toContain('static part');
    expect(shell).toContain('waiting for the session');
    // Changing the session never waits for reading it: the login form can sit in the static shell.
    expect(shell).toContain('actions:function,function,function');
    expect(shell).not.toContain('authenticated');

    resolve({ status: 'authenticated', user: { id: '1', name: 'Demo User' }, expiresAt: 42 });
    let rest = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += decoder.decode(chunk.value);
    expect(rest).toContain('authenticated|Demo User|42');
  });

  it('renders inline, with no fallback, when the promise has resolved before the shell is sent', async () => {
    const session = Promise.resolve<ClientSession>({ status: 'unauthenticated' });
    await session;
    const stream = await renderToReadableStream(
      <SessionProvider session={session}>
        <Suspense fallback={<p>waiting for the session</p>}>
          <Status />
        </Suspense>
      </SessionProvider>,
    );
    await stream.allReady;
    const html = await new Response(stream).text();
    expect(html).toContain('unauthenticated||');
  });

  it('makes useSessionActions throw a TypeError outside a provider', () => {
    expect(() => renderToString(<Actions />)).toThrow(/useSessionActions\(\) must be called inside <SessionProvider>/);
  });
});
