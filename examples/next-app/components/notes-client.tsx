'use client';

import { useCallback, useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { NoteItem } from '@/components/note-item';
import { createNote, deleteNote, listNotes, updateNote } from '@/components/notes-api';
import type { ApiResult, Note } from '@/components/notes-api';

const TITLE_REQUIRED = 'Give the note a title.';

/**
 * Notes CRUD in the browser through this app's /api/backend/notes route. The browser never sees
 * the access token. A 401 ends the session in the provider and the SessionWatcher navigates.
 */
export function NotesClient() {
  const [notes, setNotes] = useState<Note[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [title, setTitle] = useState('');
  const [body, setBody] = useState('');

  const load = useCallback(async (): Promise<boolean> => {
    const result = await listNotes();
    if (!result.ok) {
      setError(result.message);
      return false;
    }
    setNotes(result.data);
    return true;
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  /** Runs one change, then reloads the list so the page shows what the backend stored. */
  async function change(request: () => Promise<ApiResult<unknown>>): Promise<boolean> {
    setBusy(true);
    setError(null);
    try {
      const result = await request();
      if (!result.ok) {
        setError(result.message);
        return false;
      }
      return await load();
    } finally {
      setBusy(false);
    }
  }

  async function onCreate(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const newTitle = title.trim();
    if (!newTitle) {
      setError(TITLE_REQUIRED);
      return;
    }
    if (await change(() => createNote(newTitle, body))) {
      setTitle('');
      setBody('');
    }
  }

  async function onSave(id: string, newTitle: string, newBody: string): Promise<boolean> {
    if (!newTitle.trim()) {
      setError(TITLE_REQUIRED);
      return false;
    }
    return change(() => updateNote(id, newTitle.trim(), newBody));
  }

  return (
    <div className="stack">
      <form onSubmit={onCreate} className="card stack" aria-label="New note">
        <div className="field">
          <label htmlFor="note-title">Title</label>
          <input
            id="note-title"
            data-testid="note-title-input"
            value={title}
            onChange={(e) => setTitle(e.target.value)}
            maxLength={200}
            autoComplete="off"
          />
        </div>
        <div className="field">
          <label htmlFor="note-body">Body</label>
          <textarea id="note-body" data-testid="note-body-input" value={body} onChange={(e) => setBody(e.target.value)} rows={3} />
        </div>
        <div>
          <button data-testid="note-create" type="submit" className="button" disabled={busy}>
            Add note
          </button>
        </div>
      </form>

      {error ? (
        <p data-testid="notes-error" role="alert" className="alert">
          {error}
        </p>
      ) : null}

      {notes === null ? (
        error ? null : <p className="muted">Loading notes…</p>
      ) : notes.length === 0 ? (
        <p className="muted">No notes yet. Add one above.</p>
      ) : (
        <ul data-testid="notes-list" className="notes" aria-busy={busy}>
          {notes.map((note) => (
            <NoteItem key={note.id} note={note} busy={busy} onSave={onSave} onDelete={(id) => void change(() => deleteNote(id))} />
          ))}
        </ul>
      )}
    </div>
  );
}
