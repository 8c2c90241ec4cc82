import type { Metadata } from 'next';
import { notFound, redirect } from 'next/navigation';
import { bff, billingConfigured } from '@/lib/bff';

export const metadata: Metadata = { title: 'Billing · bffkit example' };

type Invoice = { id: string; amount: number; currency: string; status: string };

/**
 * The second API, fetched by the server (a Server Component) with a token for the billing audience
 * only (RFC 8707 resource indicator): the session's own token never reaches the billing API. With
 * BILLING_ACR set (e.g. urn:bffkit:acr:mfa) the page itself needs that sign-in level: `requireAuth`
 * sends a weaker session through the step-up sign-in and back here.
 */
export default async function BillingPage() {
  const acr = process.env.BILLING_ACR;
  // The session first (request-time data): what the environment says is read per request, not at build.
  await bff.requireAuth({ returnTo: '/billing', ...(acr ? { acr } : {}) });
  if (!billingConfigured()) notFound();
  const res = await bff.fetchBackend('/invoices', { upstream: 'billing' });
  if (res.status === 401) redirect('/login?returnTo=%2Fbilling');
  if (!res.ok) {
    return (
      <section className="card">
        <h1>Billing</h1>
        <p role="alert">The billing API is unavailable right now ({res.status}).</p>
      </section>
    );
  }
  const invoices = (await res.json()) as Invoice[];
  return (
    <section className="card stack">
      <h1>Billing</h1>
      <p className="muted">From the billing API, with a token for its own audience.</p>
      <ul data-testid="invoices">
        {invoices.map((inv) => (
          <li key={inv.id} data-testid="invoice">
            {inv.id}: {(inv.amount / 100).toFixed(2)} {inv.currency} ({inv.status})
          </li>
        ))}
      </ul>
    </section>
  );
}
