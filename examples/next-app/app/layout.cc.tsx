import type { ReactNode } from 'react';
import { AppShell } from '@/components/app-shell';
import { bff } from '@/lib/bff';

export { metadata } from '@/components/app-shell';

/**
 * Cache Components: the layout is not async and the session is not awaited, so every page keeps a
 * static shell (the header's session part is its fallback) and the session streams in, in the same
 * response. A page rendered per request (e.g. app/login) gets it inline: no fallback is sent.
 */
export default function RootLayout({ children }: { children: ReactNode }) {
  return <AppShell session={bff.getSession()}>{children}</AppShell>;
}
