import type { Metadata } from 'next';
import { PaymentForm } from '@/components/payment-form';
import { bff } from '@/lib/bff';

export const metadata: Metadata = { title: 'Payments · bffkit example' };

/**
 * The sensitive action. The page itself only needs a session; the backend's `POST /payments` asks for
 * a stronger, recent sign-in (RFC 9470), and the form handles that step-up (components/payment-form.tsx).
 */
export default async function PaymentsPage() {
  const session = await bff.requireAuth({ returnTo: '/payments' });
  const level = session.auth?.acr ?? (session.auth?.amr?.join(', ') || 'not reported');
  return (
    <section className="card stack">
      <h1>Payments</h1>
      <p className="muted">
        A payment needs a strong, recent sign-in. If yours is not, the backend says so and you confirm with your
        second factor; then the payment is sent again, once.
      </p>
      <p>
        Your sign-in level: <code data-testid="auth-level">{level}</code>
      </p>
      <PaymentForm />
    </section>
  );
}
