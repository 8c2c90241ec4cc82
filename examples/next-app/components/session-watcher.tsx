'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useRef } from 'react';
import { useSession } from 'bffkit/react';
import { consumeSignOutIntent } from '@/components/sign-out-intent';

/**
 * When the session ends under the user (expired, revoked, signed out in another tab), sends
 * them to the login page with a way back. Renders nothing.
 */
export function SessionWatcher() {
  const { status } = useSession();
  const router = useRouter();
  const previous = useRef(status);

  useEffect(() => {
    const was = previous.current;
    previous.current = status;
    if (was !== 'authenticated' || status !== 'unauthenticated') return;
    // A deliberate sign-out in this tab: the header already navigates to /login.
    if (consumeSignOutIntent()) return;
    const { pathname, search } = window.location;
    if (pathname === '/login') return;
    router.replace(`/login?returnTo=${encodeURIComponent(pathname + search)}`);
  }, [status, router]);

  return null;
}
