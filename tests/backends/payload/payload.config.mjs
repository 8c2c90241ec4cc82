/**
 * Payload CMS 3 configuration of the test backend: a `users` auth collection and a per-user `notes`
 * collection on SQLite. Everything a test changes comes from the environment (see README.md):
 *   PAYLOAD_SECRET              signing secret (default: a fixed test value)
 *   PAYLOAD_DB_PATH             SQLite file (default: .data/payload.db in the working directory)
 *   PAYLOAD_TOKEN_EXPIRATION    token lifetime in seconds (default 7200, Payload's default)
 *   PAYLOAD_MAX_LOGIN_ATTEMPTS  wrong passwords before the account locks (default 5, Payload's default; 0 = never)
 *   PAYLOAD_LOCK_TIME_MS        how long a locked account stays locked, in ms (default 600000)
 *   SEED_EMAIL, SEED_PASSWORD   the test user, created or reset on start
 * `GET /api/stats` answers how many token refreshes this process made (`{ refreshes }`): the bffkit
 * integration tests count refreshes under a storm with it.
 */
import { join } from 'node:path';
import { sqliteAdapter } from '@payloadcms/db-sqlite';
import { buildConfig } from 'payload';
import { migrations } from './migrations/index.mjs';

function intFromEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer`);
  return value;
}

const signedIn = ({ req }) => Boolean(req.user);
/** Successful POST /api/users/refresh-token calls since start (for the refresh-storm tests). */
let refreshes = 0;

export default buildConfig({
  secret: process.env.PAYLOAD_SECRET || 'test-only-payload-secret-not-for-production-0123456789',
  telemetry: false,
  graphQL: { disable: true },
  db: sqliteAdapter({
    client: { url: `file:${process.env.PAYLOAD_DB_PATH || join(process.cwd(), '.data', 'payload.db')}` },
    // Production (`next start`) never pushes the schema: the committed migrations run on start instead.
    prodMigrations: migrations,
  }),
  collections: [
    {
      slug: 'users',
      auth: {
        tokenExpiration: intFromEnv('PAYLOAD_TOKEN_EXPIRATION', 7200),
        maxLoginAttempts: intFromEnv('PAYLOAD_MAX_LOGIN_ATTEMPTS', 5),
        lockTime: intFromEnv('PAYLOAD_LOCK_TIME_MS', 600_000),
      },
      hooks: {
        afterRefresh: [
          // Returns nothing: a value returned here would replace the refresh answer.
          () => {
            refreshes += 1;
          },
        ],
      },
      fields: [{ name: 'name', type: 'text' }],
    },
    {
      slug: 'notes',
      access: {
        // Each user sees and changes only their own notes.
        read: ({ req }) => (req.user ? { owner: { equals: req.user.id } } : false),
        create: signedIn,
        update: ({ req }) => (req.user ? { owner: { equals: req.user.id } } : false),
        delete: ({ req }) => (req.user ? { owner: { equals: req.user.id } } : false),
      },
      hooks: {
        beforeChange: [({ req, data, operation }) => (operation === 'create' ? { ...data, owner: req.user?.id } : data)],
      },
      fields: [
        { name: 'text', type: 'text', required: true },
        { name: 'owner', type: 'relationship', relationTo: 'users', admin: { readOnly: true } },
      ],
    },
  ],
  endpoints: [
    { path: '/health', method: 'get', handler: () => Response.json({ status: 'ok' }) },
    { path: '/stats', method: 'get', handler: () => Response.json({ refreshes }) },
  ],
  onInit: async (payload) => {
    const email = process.env.SEED_EMAIL;
    const password = process.env.SEED_PASSWORD;
    if (!email || !password) return;
    const found = await payload.find({ collection: 'users', where: { email: { equals: email } }, limit: 1 });
    if (found.docs[0]) {
      await payload.update({ collection: 'users', id: found.docs[0].id, data: { password, name: 'Test User' } });
    } else {
      await payload.create({ collection: 'users', data: { email, password, name: 'Test User' } });
    }
    payload.logger.info(`seed user ${email} ready`);
  },
});
