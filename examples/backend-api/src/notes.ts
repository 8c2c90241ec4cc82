import type { Db } from './db';

/** A note as returned by the API. */
export interface Note {
  id: number;
  title: string;
  body: string;
  created_at: string;
  updated_at: string;
}

/** Per-user note storage. Every query is scoped by owner, so another user's note is simply absent. */
export interface NoteStore {
  list(userId: number): Note[];
  get(userId: number, id: number): Note | undefined;
  create(userId: number, title: string, body: string): Note;
  update(userId: number, id: number, patch: { title?: string; body?: string }): Note | undefined;
  remove(userId: number, id: number): boolean;
}

const COLUMNS = 'id, title, body, created_at, updated_at';

/**
 * Creates the note store over a database.
 *
 * @example
 * const notes = createNoteStore(db);
 * notes.create(1, 'Groceries', 'milk');
 */
export function createNoteStore(db: Db): NoteStore {
  const list = db.prepare<[number], Note>(`SELECT ${COLUMNS} FROM notes WHERE user_id = ? ORDER BY id DESC`);
  const get = db.prepare<[number, number], Note>(`SELECT ${COLUMNS} FROM notes WHERE id = ? AND user_id = ?`);
  const insert = db.prepare<[number, string, string, string, string], Note>(
    `INSERT INTO notes (user_id, title, body, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING ${COLUMNS}`,
  );
  const update = db.prepare<[string | null, string | null, string, number, number], Note>(
    `UPDATE notes SET title = COALESCE(?, title), body = COALESCE(?, body), updated_at = ?
     WHERE id = ? AND user_id = ? RETURNING ${COLUMNS}`,
  );
  const remove = db.prepare<[number, number]>('DELETE FROM notes WHERE id = ? AND user_id = ?');

  return {
    list: (userId) => list.all(userId),
    get: (userId, id) => get.get(id, userId),
    create(userId, title, body) {
      const now = new Date().toISOString();
      return insert.get(userId, title, body, now, now) as Note;
    },
    update: (userId, id, patch) =>
      update.get(patch.title ?? null, patch.body ?? null, new Date().toISOString(), id, userId),
    remove: (userId, id) => remove.run(id, userId).changes > 0,
  };
}
