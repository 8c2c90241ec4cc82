import { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../deps';
import { problem, readJsonObject, stringField } from '../http';

/** Longest injectable delay (ms): a test's slow backend, never a hang. */
const MAX_DELAY_MS = 120_000;

/**
 * Test-only routes, mounted only when EXAMPLE_BACKEND_STATS=1:
 * `GET /__stats`, `POST /__stats/reset`, `POST /__test/revoke {email}`,
 * `POST /__test/delay {refreshMs?, allMs?}` (0 to turn off).
 *
 * @example
 * if (deps.statsEnabled) app.route('/', statsRoutes(deps));
 */
export function statsRoutes(deps: AppDeps): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();

  routes.get('/__stats', (c) => c.json(deps.stats.snapshot()));

  routes.post('/__stats/reset', (c) => {
    deps.stats.reset();
    return c.body(null, 204);
  });

  routes.post('/__test/revoke', async (c) => {
    const body = await readJsonObject(c.req.raw);
    if (!body.ok) return problem(c, body.status, body.code, body.message);
    const email = stringField(body.value, 'email', { min: 1, max: 320 });
    if (!email.ok) return problem(c, email.status, email.code, email.message);
    const user = deps.users.findByEmail(email.value.trim());
    if (!user) return problem(c, 404, 'not_found', 'No such user.');
    deps.refreshTokens.revokeUser(user.id, deps.now());
    return c.body(null, 204);
  });

  routes.post('/__test/delay', async (c) => {
    const body = await readJsonObject(c.req.raw);
    if (!body.ok) return problem(c, body.status, body.code, body.message);
    const delays = (deps.delays ??= { refreshMs: 0, allMs: 0 });
    for (const key of ['refreshMs', 'allMs'] as const) {
      const value = body.value[key];
      if (value === undefined) continue;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_DELAY_MS) {
        return problem(c, 400, 'invalid_request', `${key} must be a whole number of milliseconds from 0 to ${MAX_DELAY_MS}.`);
      }
      delays[key] = value;
    }
    return c.json(delays);
  });

  return routes;
}
