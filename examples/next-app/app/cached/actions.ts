'use server';

import { updateTag } from 'next/cache';
import type { CallResult } from 'bffkit/next';
import { bff } from '@/lib/bff';

/**
 * Expires the signed-in user's cached entries now (after the user changed data elsewhere, say).
 * Server Actions re-check the session themselves: the tag is the caller's own, never from the form.
 */
export async function refreshMyCache(): Promise<void> {
  const tag = await bff.userCacheTag();
  if (tag) updateTag(tag);
}

/**
 * A backend call from a Server Action, answered as a plain value: once the session has ended the
 * caller gets `{ ok: false, code: 'session_expired' }`, never a redirect it cannot read.
 */
export async function countMyNotes(): Promise<CallResult<number>> {
  const result = await bff.callBackend<unknown[]>('/notes');
  return result.ok ? { ...result, data: result.data.length } : result;
}
