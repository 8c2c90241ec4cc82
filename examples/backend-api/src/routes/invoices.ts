import { Hono } from 'hono';
import type { AppEnv } from '../deps';

/**
 * `GET /invoices` of the billing role (behind the bearer middleware): the user's invoices, made up
 * from the user id so every user sees their own, stable list.
 *
 * @example
 * app.route('/invoices', invoiceRoutes());
 */
export function invoiceRoutes(): Hono<AppEnv> {
  const invoices = new Hono<AppEnv>();
  invoices.get('/', (c) => {
    const { id, email } = c.var.user;
    return c.json(
      [1, 2].map((n) => ({ id: `inv-${id}-${n}`, customer: email, amount: 1000 * n + id, currency: 'EUR', status: n === 1 ? 'paid' : 'open' })),
    );
  });
  return invoices;
}
