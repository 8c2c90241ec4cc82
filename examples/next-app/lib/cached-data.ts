import 'server-only';
import { cacheLife, cacheTag } from 'next/cache';
import type { CachedUser } from 'bffkit/next';
import { bff } from '@/lib/bff';

// Cache Components only: imported by app/cached/page.cc.tsx alone ('use cache' is a build error
// without them). What may be cached and what must not: see README, "Caching per user".

type Note = { id: string | number; title: string };

/** What the page shows: derived from the backend, never a token. */
export type NotesSummary = { count: number; titles: string[]; cachedAt: string };

/**
 * Shared server cache, one entry per user: `user` is all that identifies the entry (an opaque tag,
 * never a token), so two tabs or devices of the same user share it. Not exported: only
 * getNotesSummary() may call it, with the signed-in user bff.perUser() passes.
 */
async function notesSummaryOf(user: CachedUser): Promise<NotesSummary> {
  'use cache';
  cacheTag(user.tag);
  cacheLife('minutes');
  // The token comes from the request running the wrapper, never from an argument.
  const res = await bff.fetchBackendFor(user, '/notes');
  // Thrown, so a failure is not cached: the error boundary shows it and the next request tries again.
  if (!res.ok) throw new Error(`GET /notes answered ${res.status}`);
  const notes = (await res.json()) as Note[];
  return { count: notes.length, titles: notes.slice(0, 3).map((n) => n.title), cachedAt: new Date().toISOString() };
}

/** The signed-in user's notes summary, cached per user for minutes; null when nobody is signed in. */
export const getNotesSummary = bff.perUser(notesSummaryOf);

/**
 * Private cache: kept in this browser only (Next sends it with the page and reuses it for
 * prefetches and back/forward navigations), never stored on the server in production. The
 * function may read the request itself, so it calls bff.fetchBackend as any Server Component does.
 */
export async function getDisplayName(): Promise<string | null> {
  'use cache: private';
  cacheLife({ stale: 60 });
  const res = await bff.fetchBackend('/auth/me');
  if (!res.ok) return null;
  const me = (await res.json()) as { name?: string; email?: string };
  return me.name ?? me.email ?? null;
}
