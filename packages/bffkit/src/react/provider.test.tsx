import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { SessionProvider } from './provider';
import { useSession } from './use-session';

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
