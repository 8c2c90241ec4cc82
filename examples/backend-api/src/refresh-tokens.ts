import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Db } from './db';

interface RefreshRow {
  id: number;
  family_id: string;
  user_id: number;
  created_at: number;
  expires_at: number;
  rotated_at: number | null;
  revoked_at: number | null;
}

/** Outcome of presenting a refresh token for rotation. */
export type RotateResult =
  /** `age`: seconds the presented token lived before this rotation (the benchmarks' "one refresh per expiry"). */
  | { status: 'rotated'; userId: number; refreshToken: string; age: number }
  | { status: 'reuse' }
  | { status: 'invalid' };

/** Opaque, rotating refresh tokens stored only as SHA-256 hashes. */
export interface RefreshTokens {
  /** Starts a new family for a fresh login. */
  issue(userId: number, now: number): string;
  /**
   * Exchanges a token for its successor. Presenting a token that was already rotated is reuse:
   * the whole family is revoked (no grace period, by design).
   */
  rotate(token: string, now: number): RotateResult;
  /** Revokes the family of a token; unknown tokens are ignored. */
  revokeFamilyOf(token: string, now: number): void;
  /** Revokes every token of a user. */
  revokeUser(userId: number, now: number): void;
}

/** Raw entropy of a refresh token. */
const TOKEN_BYTES = 32;

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function newToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/**
 * Creates the refresh-token store. All methods are synchronous (better-sqlite3), so a rotation is
 * atomic: of two concurrent presentations of one token, exactly one wins and the other is reuse.
 *
 * @example
 * const refresh = createRefreshTokens(db, 30 * 86400);
 * const token = refresh.issue(user.id, nowSeconds());
 */
export function createRefreshTokens(db: Db, ttl: number): RefreshTokens {
  const insert = db.prepare(
    'INSERT INTO refresh_tokens (token_hash, family_id, user_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
  );
  const byHash = db.prepare<[string], RefreshRow>(
    'SELECT id, family_id, user_id, created_at, expires_at, rotated_at, revoked_at FROM refresh_tokens WHERE token_hash = ?',
  );
  const markRotated = db.prepare('UPDATE refresh_tokens SET rotated_at = ?, replaced_by = ? WHERE id = ?');
  const revokeFamily = db.prepare(
    'UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL',
  );
  const revokeAllOfUser = db.prepare(
    'UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL',
  );

  const insertToken = (familyId: string, userId: number, now: number): { token: string; id: number } => {
    const token = newToken();
    const info = insert.run(hashToken(token), familyId, userId, now, now + ttl);
    return { token, id: Number(info.lastInsertRowid) };
  };

  const rotate = db.transaction((token: string, now: number): RotateResult => {
    const row = byHash.get(hashToken(token));
    if (!row || row.revoked_at !== null) return { status: 'invalid' };
    if (row.rotated_at !== null) {
      // Why: a rotated token coming back means it leaked (or a client raced itself). RFC 9700
      // §4.14.2: revoke the whole family so the thief's (or the victim's) successor dies too.
      revokeFamily.run(now, row.family_id);
      return { status: 'reuse' };
    }
    if (row.expires_at <= now) return { status: 'invalid' };
    const next = insertToken(row.family_id, row.user_id, now);
    markRotated.run(now, next.id, row.id);
    return { status: 'rotated', userId: row.user_id, refreshToken: next.token, age: now - row.created_at };
  });

  return {
    issue: (userId, now) => insertToken(randomUUID(), userId, now).token,
    rotate: (token, now) => rotate(token, now),
    revokeFamilyOf(token, now) {
      const row = byHash.get(hashToken(token));
      if (row) revokeFamily.run(now, row.family_id);
    },
    revokeUser(userId, now) {
      revokeAllOfUser.run(now, userId);
    },
  };
}
