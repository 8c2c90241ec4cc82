import { bffFetch } from 'bffkit/react';

/**
 * The notes calls the browser makes, all to this app's own /api/backend/* route (bffFetch adds
 * the anti-forgery header; the app adds the access token on the server side). Results are values.
 */

export type Note = { id: string; title: string; body: string };
export type ApiResult<T> = { ok: true; data: T } | { ok: false; message: string };

const NOTES_URL = '/api/backend/notes';
const NETWORK_MESSAGE = 'Could not reach the server. Check your connection and try again.';
const SESSION_ENDED_MESSAGE = 'Your session has ended. Please sign in again.';
const UNEXPECTED_MESSAGE = 'Unexpected response from the server.';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function noteUrl(id: string): string {
  return `${NOTES_URL}/${encodeURIComponent(id)}`;
}

function jsonInit(method: 'POST' | 'PATCH', body: unknown): RequestInit {
  return { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

async function call(url: string, init?: RequestInit): Promise<ApiResult<unknown>> {
  let response: Response;
  try {
    response = await bffFetch(url, init);
  } catch {
    return { ok: false, message: NETWORK_MESSAGE };
  }
  const data: unknown = response.status === 204 ? undefined : await response.json().catch(() => undefined);
  if (response.ok) return { ok: true, data };
  if (response.status === 401) return { ok: false, message: SESSION_ENDED_MESSAGE };
  const message = isRecord(data) && typeof data.message === 'string' ? data.message : `Request failed (${response.status}).`;
  return { ok: false, message };
}

/** Accepts `[...]` or `{ notes: [...] }`; anything else is `null`. */
function toNotes(data: unknown): Note[] | null {
  const list = Array.isArray(data) ? data : isRecord(data) && Array.isArray(data.notes) ? data.notes : null;
  if (!list) return null;
  return list
    .filter(isRecord)
    .filter((note) => typeof note.id === 'string' || typeof note.id === 'number')
    .map((note) => ({ id: String(note.id), title: String(note.title ?? ''), body: String(note.body ?? '') }));
}

export async function listNotes(): Promise<ApiResult<Note[]>> {
  const result = await call(NOTES_URL);
  if (!result.ok) return result;
  const notes = toNotes(result.data);
  return notes ? { ok: true, data: notes } : { ok: false, message: UNEXPECTED_MESSAGE };
}

export function createNote(title: string, body: string): Promise<ApiResult<unknown>> {
  return call(NOTES_URL, jsonInit('POST', { title, body }));
}

export function updateNote(id: string, title: string, body: string): Promise<ApiResult<unknown>> {
  return call(noteUrl(id), jsonInit('PATCH', { title, body }));
}

export function deleteNote(id: string): Promise<ApiResult<unknown>> {
  return call(noteUrl(id), { method: 'DELETE' });
}
