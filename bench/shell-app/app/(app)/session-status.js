'use client';
import { useSession } from 'bffkit/react';

/** The README's components/session-status.tsx, without the sign-out handler. */
export function SessionStatus() {
  const { status, user } = useSession();
  return <p data-testid="session-status">{status === 'authenticated' ? `Signed in as ${user?.name ?? user?.email}` : 'Not signed in'}</p>;
}
