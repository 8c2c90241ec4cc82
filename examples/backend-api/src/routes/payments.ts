import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import type { AppDeps, AppEnv, RequestAuth } from '../deps';
import { problem, readJsonObject, stringField } from '../http';

/** Largest amount accepted, in cents. */
const MAX_AMOUNT = 1_000_000_00;

/** Why the token's authentication is not enough, or null when it is (RFC 9470 section 3). */
function shortfall(auth: RequestAuth, needed: AppDeps['stepUp'], now: number): string | null {
  if (auth.acr === undefined || !needed.acr.includes(auth.acr)) return 'A stronger sign-in is required for payments';
  if (auth.authTime === undefined || now - auth.authTime > needed.maxAge) return 'A more recent sign-in is required for payments';
  return null;
}

/**
 * `POST /payments` (behind the bearer middleware): a sensitive action that needs a strong, recent
 * sign-in. A token whose `acr` is not one of `stepUp.acr`, or whose `auth_time` is older than
 * `stepUp.maxAge` seconds, is answered 401 `insufficient_user_authentication` with the RFC 9470
 * challenge (`acr_values`, `max_age`), in the scheme the token came with (Bearer or DPoP).
 *
 * @example
 * app.route('/payments', paymentRoutes(deps));
 */
export function paymentRoutes(deps: AppDeps): Hono<AppEnv> {
  const payments = new Hono<AppEnv>();

  payments.post('/', async (c) => {
    const auth = c.var.auth;
    const why = shortfall(auth, deps.stepUp, deps.now());
    if (why) {
      deps.stats.bump('step_up_challenges');
      const acrValues = deps.stepUp.acr.join(' ');
      const header = `${auth.scheme} error="insufficient_user_authentication", error_description="${why}", acr_values="${acrValues}", max_age="${deps.stepUp.maxAge}"`;
      return c.json(
        { code: 'insufficient_user_authentication', message: `${why}.`, acr_values: acrValues, max_age: deps.stepUp.maxAge },
        401,
        { 'www-authenticate': header },
      );
    }
    const body = await readJsonObject(c.req.raw);
    if (!body.ok) return problem(c, body.status, body.code, body.message);
    const to = stringField(body.value, 'to', { min: 1, max: 200 });
    if (!to.ok) return problem(c, to.status, to.code, to.message);
    const amount = body.value.amount;
    if (typeof amount !== 'number' || !Number.isInteger(amount) || amount < 1 || amount > MAX_AMOUNT) {
      return problem(c, 400, 'invalid_request', `"amount" must be an integer number of cents between 1 and ${MAX_AMOUNT}.`);
    }
    return c.json({ id: randomUUID(), to: to.value, amount, status: 'accepted', acr: auth.acr, auth_time: auth.authTime }, 201);
  });

  return payments;
}
