import type { ReactNode } from 'react';
import { AppShell } from '@/components/app-shell';
import { bff } from '@/lib/bff';

export { metadata } from '@/components/app-shell';

/** Without Cache Components every page renders per request: await the session, nothing streams. */
export default async function RootLayout({ children }: { children: ReactNode }) {
  return <AppShell session={await bff.getSession()}>{children}</AppShell>;
}
