import type { Db } from './db';
import { hashPassword } from './passwords';

/** A user row as stored. */
export interface UserRow {
  id: number;
  email: string;
  name: string;
  password_hash: string;
  created_at: string;
}

/** The public view of a user (never includes the hash). */
export interface PublicUser {
  id: string;
  email: string;
  name: string;
  created_at: string;
}

/** Users created on every start (idempotent). */
export const SEED_USERS = [
  { email: 'demo@example.com', password: 'demo-password', name: 'Demo User' },
  { email: 'second@example.com', password: 'second-password', name: 'Second User' },
] as const;

/** Data access for users. */
export interface UserStore {
  findByEmail(email: string): UserRow | undefined;
  findById(id: number): UserRow | undefined;
}

/**
 * Creates the user store over a database.
 *
 * @example
 * const users = createUserStore(db);
 * users.findByEmail('demo@example.com');
 */
export function createUserStore(db: Db): UserStore {
  const byEmail = db.prepare<[string], UserRow>('SELECT * FROM users WHERE email = ?');
  const byId = db.prepare<[number], UserRow>('SELECT * FROM users WHERE id = ?');
  return {
    findByEmail: (email) => byEmail.get(email),
    findById: (id) => byId.get(id),
  };
}

/**
 * Inserts the seed users that do not exist yet (hashing only what is missing).
 *
 * @example
 * await seedUsers(db);
 */
export async function seedUsers(db: Db): Promise<void> {
  const exists = db.prepare<[string], { id: number }>('SELECT id FROM users WHERE email = ?');
  const insert = db.prepare(
    'INSERT OR IGNORE INTO users (email, name, password_hash, created_at) VALUES (?, ?, ?, ?)',
  );
  for (const seed of SEED_USERS) {
    if (exists.get(seed.email)) continue;
    const passwordHash = await hashPassword(seed.password);
    insert.run(seed.email, seed.name, passwordHash, new Date().toISOString());
  }
}

/**
 * Maps a stored user to its public JSON shape (`id` is a string, like the JWT `sub`).
 *
 * @example
 * return c.json(toPublicUser(row));
 */
export function toPublicUser(row: UserRow): PublicUser {
  return { id: String(row.id), email: row.email, name: row.name, created_at: row.created_at };
}
