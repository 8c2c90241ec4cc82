'use server';

import { updateTag } from 'next/cache';
import { bff } from '@/lib/bff';

/**
 * Expires the signed-in user's cached entries now (after the user changed data elsewhere, say).
 * Server Actions re-check the session themselves: the tag is the caller's own, never from the form.
 */
export async function refreshMyCache(): Promise<void> {
  const tag = await bff.userCacheTag();
  if (tag) updateTag(tag);
}
