import { Hono } from 'hono';
import { requireBearer } from './bearer';
import { corsFor } from './cors';
import type { AppDeps, AppEnv } from './deps';
import { problem } from './http';
import { authRoutes } from './routes/auth';
import { invoiceRoutes } from './routes/invoices';
import { noteRoutes } from './routes/notes';
import { paymentRoutes } from './routes/payments';
import { statsRoutes } from './routes/stats';
import { streamRoutes } from './routes/streams';

/** Paths that are test plumbing and are neither counted nor recorded as `last_request`. */
const UNCOUNTED = /^\/__(stats|test)(\/|$)/;

/**
 * Builds the example backend's Hono app from its dependencies (no I/O, no listening), so tests can
 * call `app.request(...)` directly.
 *
 * @example
 * const { deps } = await createDeps(loadConfig({}));
 * const res = await createApp(deps).request('/.well-known/jwks.json');
 */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.use('*', async (c, next) => {
    if (!UNCOUNTED.test(c.req.path)) {
      deps.stats.record(c.req.raw);
      // Test plumbing (POST /__test/delay): a slow backend, before anything else happens.
      const d = deps.delays;
      const ms = (d?.allMs ?? 0) + (c.req.path === '/auth/refresh' ? (d?.refreshMs ?? 0) : 0);
      if (ms > 0) await new Promise((r) => setTimeout(r, ms));
    }
    await next();
    if (!c.res.headers.has('cache-control')) c.res.headers.set('cache-control', 'no-store');
    c.res.headers.set('x-content-type-options', 'nosniff');
  });

  if (deps.corsOrigin !== null) {
    app.use('/auth/login', corsFor(deps.corsOrigin, 'POST'));
    app.use('/.well-known/jwks.json', corsFor(deps.corsOrigin, 'GET'));
  }

  app.get('/health', (c) => c.json({ ok: true, role: deps.role }));

  const bearer = requireBearer(deps);
  if (deps.role === 'billing') {
    // The second API: the identity provider's tokens for its own audience only, and nothing else.
    app.use('/invoices/*', bearer);
    app.route('/invoices', invoiceRoutes());
    // A machine route: the app's own client-credentials token (no user) is enough.
    app.get('/rates', requireBearer(deps, { machine: true }), (c) =>
      c.json({ currency: 'EUR', rates: { USD: 1.08, GBP: 0.85 }, ...(c.var.client ? { client: c.var.client } : { user: c.var.user.email }) }),
    );
  } else {
    app.get('/.well-known/jwks.json', (c) =>
      c.json(deps.accessTokens.jwks(), 200, { 'cache-control': 'public, max-age=60' }),
    );
    app.use('/auth/me', bearer);
    app.use('/notes/*', bearer); // Hono's `/notes/*` also matches `/notes` itself.
    app.use('/payments/*', bearer);

    app.route('/auth', authRoutes(deps));
    // Streams first: `/notes/export/stream` must not be shadowed by `/notes/:id`.
    app.route('/notes', streamRoutes());
    app.route('/notes', noteRoutes(deps));
    app.route('/payments', paymentRoutes(deps));
  }
  if (deps.statsEnabled) app.route('/', statsRoutes(deps));

  app.notFound((c) => problem(c, 404, 'not_found', 'No such route.'));
  app.onError((err, c) => {
    // Should never fire: every expected failure is a value. Log the message, never send the stack.
    console.error(`[backend] unhandled error on ${c.req.method} ${c.req.path}: ${String(err)}`);
    return problem(c, 500, 'internal_error', 'Internal server error.');
  });
  return app;
}
