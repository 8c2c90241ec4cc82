'use client';

import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { bffFetch, useSession, useStepUp } from 'bffkit/react';

type Outcome = { kind: 'idle' } | { kind: 'sending' } | { kind: 'accepted'; id: string; acr?: string } | { kind: 'failed'; message: string };

async function outcomeOf(res: Response): Promise<Outcome> {
  const body = (await res.json().catch(() => null)) as { id?: string; acr?: string; message?: string; code?: string } | null;
  if (res.status === 201 && body?.id) return { kind: 'accepted', id: body.id, ...(body.acr ? { acr: body.acr } : {}) };
  return { kind: 'failed', message: body?.message ?? `The payment failed (${res.status}).` };
}

/**
 * Sends a payment through the app's own API route. When the backend asks for a stronger sign-in,
 * `bffFetch` (with `stepUp: 'redirect'`) sends the user to the identity provider; back here,
 * `useStepUp()` has retried the payment once and hands over its answer. With a credentials backend
 * the step-up is a password prompt right here (`reauthenticate`).
 */
export function PaymentForm() {
  const { user } = useSession();
  const { required, retried, reauthenticate, dismiss } = useStepUp();
  const [outcome, setOutcome] = useState<Outcome>({ kind: 'idle' });
  const [password, setPassword] = useState('');

  // Back from the step-up sign-in: the retried payment's answer.
  useEffect(() => {
    if (retried) void outcomeOf(retried.clone()).then(setOutcome);
  }, [retried]);

  async function onPay(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setOutcome({ kind: 'sending' });
    const res = await bffFetch(
      '/api/backend/payments',
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ to: String(form.get('to')), amount: Number(form.get('amount')) }) },
      { stepUp: 'redirect' },
    );
    if (res.status === 401) {
      const body = (await res.clone().json().catch(() => null)) as { code?: string; signIn?: string } | null;
      // A step-up: on its way to the provider (redirect), or the password prompt below (form).
      if (body?.code === 'step_up_required') {
        if (body.signIn !== 'redirect') setOutcome({ kind: 'idle' });
        return;
      }
    }
    setOutcome(await outcomeOf(res));
  }

  async function onReauthenticate(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const result = await reauthenticate({ email: user?.email ?? '', password });
    setPassword('');
    if (!result.ok) setOutcome({ kind: 'failed', message: result.message });
    else if (result.retried) setOutcome(await outcomeOf(result.retried));
  }

  return (
    <div className="stack">
      <form onSubmit={onPay} className="stack" data-testid="payment-form">
        <label>
          To <input name="to" defaultValue="ACME Ltd" required />
        </label>
        <label>
          Amount (cents) <input name="amount" type="number" min={1} defaultValue={4200} required />
        </label>
        <button type="submit" className="button" data-testid="pay" disabled={outcome.kind === 'sending'}>
          Pay
        </button>
      </form>
      {required?.signIn === 'form' ? (
        <form onSubmit={onReauthenticate} className="stack" data-testid="reauth-form">
          <p>{required.message} Enter your password again.</p>
          <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="current-password" required />
          <button type="submit" className="button">Confirm</button>
          <button type="button" className="button button--ghost" onClick={dismiss}>Cancel</button>
        </form>
      ) : null}
      {required?.signIn === 'redirect' && outcome.kind === 'sending' ? <p data-testid="step-up-redirect">Confirming your sign-in with the identity provider…</p> : null}
      {outcome.kind === 'accepted' ? (
        <p role="status" data-testid="payment-accepted">
          Payment {outcome.id} accepted{outcome.acr ? ` (sign-in level ${outcome.acr})` : ''}.
        </p>
      ) : null}
      {outcome.kind === 'failed' ? (
        <p role="alert" data-testid="payment-failed" className="alert">
          {outcome.message}
        </p>
      ) : null}
    </div>
  );
}
