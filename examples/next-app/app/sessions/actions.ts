'use server';

import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { bff } from '@/lib/bff';

/**
 * Ends one of the caller's own sessions (bffkit checks that the id belongs to the signed-in user).
 * Server Actions are POST-only and Next checks their Origin, so they are not cross-site forgeable.
 * They are public endpoints all the same: anyone can call one with any arguments, so the argument is
 * checked here (a missing FormData would otherwise be a TypeError and a 500).
 */
export async function endSessionAction(formData: unknown): Promise<void> {
  const id = formData instanceof FormData ? formData.get('id') : null;
  const { signedOut } = await bff.endSession(id);
  if (signedOut) redirect('/login');
  revalidatePath('/sessions');
}

/** "Sign out everywhere": ends every session of the signed-in user, this browser included. */
export async function signOutEverywhereAction(): Promise<void> {
  await bff.signOutEverywhere();
  redirect('/login');
}
