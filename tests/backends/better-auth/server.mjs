/**
 * better-auth 1.7 as a standalone API server (node:http, no framework) for the integration tests:
 * email + password accounts, the bearer() plugin, SQLite through better-sqlite3, and one protected
 * resource (`/api/notes`, per user) so forwarding has something to call.
 *
 *   PORT=7100 SEED_EMAIL=alice@example.com SEED_PASSWORD=secret-password node server.mjs
 *
 * Environment (everything a test changes):
 *   PORT                     port on 127.0.0.1 (default 3000)
 *   BETTER_AUTH_SECRET       signing secret (default: a fixed test value)
 *   BETTER_AUTH_DB_PATH      SQLite file (default: .data/auth.db beside this file)
 *   SESSION_EXPIRES_IN       session lifetime in seconds (default 604800, better-auth's 7 days)
 *   SESSION_UPDATE_AGE       seconds of use after which the session is extended (default 86400)
 *   BETTER_AUTH_RATE_LIMIT   "on" / "off"; unset = better-auth's default (on when NODE_ENV=production)
 *   BETTER_AUTH_TRUSTED_ORIGINS  comma-separated origins trusted besides its own base URL (default none)
 *   SEED_EMAIL, SEED_PASSWORD, SEED_NAME   the test user, created on start when missing
 *
 * Prints "migrated in N ms" and then "listening on http://127.0.0.1:PORT".
 */
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { fromNodeHeaders, toNodeHandler } from 'better-auth/node';
import { bearer } from 'better-auth/plugins';

const here = dirname(fileURLToPath(import.meta.url));
const env = process.env;
const port = Number(env.PORT ?? 3000);
const dbPath = env.BETTER_AUTH_DB_PATH || join(here, '.data', 'auth.db');

function seconds(name, fallback) {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer (seconds)`);
  return value;
}

function rateLimit() {
  if (env.BETTER_AUTH_RATE_LIMIT === 'on') return { enabled: true };
  if (env.BETTER_AUTH_RATE_LIMIT === 'off') return { enabled: false };
  return undefined;
}

mkdirSync(dirname(dbPath), { recursive: true });
const db = new Database(dbPath);
db.pragma('journal_mode = WAL');

const options = {
  database: db,
  secret: env.BETTER_AUTH_SECRET || 'test-only-better-auth-secret-not-for-production-0123456789',
  baseURL: `http://127.0.0.1:${port}`,
  trustedOrigins: (env.BETTER_AUTH_TRUSTED_ORIGINS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
  emailAndPassword: { enabled: true },
  session: {
    expiresIn: seconds('SESSION_EXPIRES_IN', 60 * 60 * 24 * 7),
    updateAge: seconds('SESSION_UPDATE_AGE', 60 * 60 * 24),
  },
  rateLimit: rateLimit(),
  telemetry: { enabled: false },
  plugins: [bearer()],
};

const migrationStart = performance.now();
await (await getMigrations(options)).runMigrations();
db.exec(`CREATE TABLE IF NOT EXISTS note (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id TEXT NOT NULL,
  text TEXT NOT NULL,
  created_at TEXT NOT NULL
)`);
console.log(`migrated in ${Math.round(performance.now() - migrationStart)} ms`);

const auth = betterAuth(options);

if (env.SEED_EMAIL && env.SEED_PASSWORD) {
  const exists = db.prepare('SELECT 1 FROM user WHERE email = ?').get(env.SEED_EMAIL.toLowerCase());
  if (!exists) {
    await auth.api.signUpEmail({
      body: { email: env.SEED_EMAIL, password: env.SEED_PASSWORD, name: env.SEED_NAME || 'Test User' },
    });
  }
  console.log(`seed user ${env.SEED_EMAIL} ready`);
}

const authHandler = toNodeHandler(auth);
const listNotes = db.prepare('SELECT id, text, created_at AS createdAt FROM note WHERE user_id = ? ORDER BY id');
const insertNote = db.prepare('INSERT INTO note (user_id, text, created_at) VALUES (?, ?, ?)');

function json(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readJson(req) {
  let raw = '';
  for await (const chunk of req) {
    raw += chunk;
    if (raw.length > 64 * 1024) throw new Error('too large');
  }
  return JSON.parse(raw);
}

/** GET lists the signed-in user's notes, POST {text} adds one; 401 without a valid session. */
async function notes(req, res) {
  const session = await auth.api.getSession({ headers: fromNodeHeaders(req.headers) });
  if (!session) return json(res, 401, { code: 'UNAUTHORIZED', message: 'Unauthorized' });
  if (req.method === 'GET') return json(res, 200, listNotes.all(session.user.id));
  if (req.method !== 'POST') return json(res, 405, { code: 'METHOD_NOT_ALLOWED', message: 'Method not allowed' });
  let body;
  try {
    body = await readJson(req);
  } catch {
    return json(res, 400, { code: 'INVALID_JSON', message: 'Body must be JSON' });
  }
  if (typeof body?.text !== 'string' || body.text.length === 0 || body.text.length > 500) {
    return json(res, 400, { code: 'INVALID_TEXT', message: 'text must be a string of 1 to 500 characters' });
  }
  const createdAt = new Date().toISOString();
  const { lastInsertRowid } = insertNote.run(session.user.id, body.text, createdAt);
  return json(res, 201, { id: Number(lastInsertRowid), text: body.text, createdAt });
}

const server = createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  const done = (promise) =>
    promise.catch((error) => {
      console.error('request failed:', error?.message ?? error);
      if (!res.headersSent) json(res, 500, { code: 'INTERNAL', message: 'Internal error' });
      else res.end();
    });
  if (path.startsWith('/api/auth/')) return done(authHandler(req, res));
  if (path === '/api/notes') return done(notes(req, res));
  if (path === '/health') return json(res, 200, { status: 'ok' });
  return json(res, 404, { code: 'NOT_FOUND', message: 'Not found' });
});

server.listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}`));
const shutdown = () => server.close(() => process.exit(0));
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
