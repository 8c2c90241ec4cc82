'use client';

import { useState } from 'react';
import type { FormEvent } from 'react';
import type { Note } from '@/components/notes-api';

type NoteItemProps = {
  note: Note;
  busy: boolean;
  /** Resolves true when the backend stored the change. */
  onSave(id: string, title: string, body: string): Promise<boolean>;
  onDelete(id: string): void;
};

/** One note: read view with Edit/Delete, or an inline edit form. */
export function NoteItem({ note, busy, onSave, onDelete }: NoteItemProps) {
  const [draft, setDraft] = useState<Note | null>(null);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (draft && (await onSave(note.id, draft.title, draft.body))) setDraft(null);
  }

  if (draft) {
    return (
      <li data-testid="note-item" className="card note">
        <form onSubmit={onSubmit} className="stack" aria-label="Edit note">
          <div className="field">
            <label htmlFor={`edit-title-${note.id}`}>Title</label>
            <input
              id={`edit-title-${note.id}`}
              data-testid="note-edit-title"
              value={draft.title}
              onChange={(e) => setDraft({ ...draft, title: e.target.value })}
              maxLength={200}
              autoFocus
            />
          </div>
          <div className="field">
            <label htmlFor={`edit-body-${note.id}`}>Body</label>
            <textarea
              id={`edit-body-${note.id}`}
              data-testid="note-edit-body"
              value={draft.body}
              onChange={(e) => setDraft({ ...draft, body: e.target.value })}
              rows={3}
            />
          </div>
          <div className="actions">
            <button data-testid="note-save" type="submit" className="button" disabled={busy}>
              Save
            </button>
            <button type="button" className="button button--ghost" onClick={() => setDraft(null)}>
              Cancel
            </button>
          </div>
        </form>
      </li>
    );
  }

  return (
    <li data-testid="note-item" className="card note">
      <h3 data-testid="note-title" className="note__title">
        {note.title}
      </h3>
      <p data-testid="note-body" className="note__body">
        {note.body}
      </p>
      <div className="actions">
        <button data-testid="note-edit" type="button" className="button button--ghost" onClick={() => setDraft({ ...note })}>
          Edit
        </button>
        <button
          data-testid="note-delete"
          type="button"
          className="button button--danger"
          onClick={() => onDelete(note.id)}
          disabled={busy}
        >
          Delete
        </button>
      </div>
    </li>
  );
}
