import { describe, expect, it } from 'vitest';
import { openDatabase } from './db';
import { createRefreshTokens } from './refresh-tokens';

function setup(ttl = 60) {
  const db = openDatabase(':memory:');
  db.prepare("INSERT INTO users (email, name, password_hash, created_at) VALUES ('a@b.c', 'A', 'x', 'now')").run();
  return { db, tokens: createRefreshTokens(db, ttl) };
}

describe('refresh tokens', () => {
  it('stores only a hash of the token', () => {
    const { db, tokens } = setup();
    const token = tokens.issue(1, 1000);
    const rows = db.prepare('SELECT token_hash FROM refresh_tokens').all() as { token_hash: string }[];
    expect(rows).toHaveLength(1);
    expect(rows[0]!.token_hash).not.toContain(token);
    expect(rows[0]!.token_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('rotates a token into a successor of the same family', () => {
    const { tokens } = setup();
    const first = tokens.issue(1, 1000);
    const next = tokens.rotate(first, 1001);
    expect(next).toMatchObject({ status: 'rotated', userId: 1 });
    if (next.status !== 'rotated') throw new Error('unreachable');
    expect(tokens.rotate(next.refreshToken, 1002).status).toBe('rotated');
  });

  it('treats a second presentation as reuse and revokes the successor too', () => {
    const { tokens } = setup();
    const first = tokens.issue(1, 1000);
    const next = tokens.rotate(first, 1001);
    expect(tokens.rotate(first, 1002)).toEqual({ status: 'reuse' });
    if (next.status !== 'rotated') throw new Error('unreachable');
    expect(tokens.rotate(next.refreshToken, 1003)).toEqual({ status: 'invalid' });
  });

  it('rejects a token at its expiry second', () => {
    const { tokens } = setup(60);
    const token = tokens.issue(1, 1000);
    expect(tokens.rotate(token, 1060)).toEqual({ status: 'invalid' });
  });

  it('leaves other families alone when one is revoked', () => {
    const { tokens } = setup();
    const a = tokens.issue(1, 1000);
    const b = tokens.issue(1, 1000);
    tokens.revokeFamilyOf(a, 1001);
    tokens.revokeFamilyOf('unknown', 1001);
    expect(tokens.rotate(a, 1002).status).toBe('invalid');
    expect(tokens.rotate(b, 1002).status).toBe('rotated');
    tokens.revokeUser(1, 1003);
    expect(tokens.rotate(b, 1004).status).toBe('invalid');
  });
});
