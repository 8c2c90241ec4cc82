import { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../deps';
import { problem, readJsonObject, stringField } from '../http';

/**
 * Test-only routes, mounted only when EXAMPLE_BACKEND_STATS=1:
 * `GET /__stats`, `POST /__stats/reset`, `POST /__test/revoke {email}`.
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

  return routes;
}
