import { useCallback, useEffect, useMemo, useSyncExternalStore } from 'react';
import { announce } from './events';
import { bffFetch, currentBasePath, currentCsrfHeader, startStepUp } from './fetch';
import { requestSignIn } from './session-api';
import { clearStepUp, setRetried, stepUpState, subscribeStepUp, takePendingCall, type PendingCall } from './step-up-store';
import { useSession } from './use-session';
import type { SignInCredentials, UseStepUpResult } from './types';

/** Whether this page load already looked for a call to retry (only the first hook does it). */
let resumed = false;

/**
 * Step-up (RFC 9470) for the browser: what the last `bffFetch` call that needed a stronger sign-in
 * was told, a way to get that sign-in, and the answer of the call retried once afterwards. Coming
 * back from the identity provider, the first `useStepUp()` on the page retries the refused call (for
 * the same user only, within ten minutes); with a credentials backend, `reauthenticate` signs in
 * again with the password and retries in place. Must be called under `<SessionProvider>`.
 *
 * @example
 * const { required, stepUp, retried } = useStepUp();
 * if (required) return <button onClick={() => stepUp()}>Confirm with your second factor</button>;
 */
export function useStepUp(): UseStepUpResult {
  const session = useSession();
  const state = useSyncExternalStore(subscribeStepUp, stepUpState, stepUpState);
  const userId = session.status === 'authenticated' ? session.user?.id : undefined;

  useEffect(() => {
    if (resumed || userId === undefined) return;
    resumed = true;
    const call = takePendingCall(userId);
    if (call) void retry(call);
  }, [userId]);

  const stepUp = useCallback((options?: { returnTo?: string }) => startStepUp(options?.returnTo), []);
  const dismiss = useCallback(() => clearStepUp(), []);
  const reauthenticate = useCallback(async (credentials: SignInCredentials) => {
    const call = stepUpState().call;
    const outcome = await requestSignIn(currentBasePath(), currentCsrfHeader(), credentials);
    if (!outcome.ok) return outcome;
    announce({ type: 'signed-in', session: outcome.session });
    const retried = call ? await retry(call) : undefined;
    if (!call) clearStepUp();
    return { ok: true as const, redirectTo: outcome.redirectTo, ...(retried ? { retried } : {}) };
  }, []);

  return useMemo(() => ({ required: state.required, retried: state.retried, stepUp, reauthenticate, dismiss }), [state, stepUp, reauthenticate, dismiss]);
}

/** The refused call, once more (no automatic step-up this time: never a loop). */
async function retry(call: PendingCall): Promise<Response | undefined> {
  try {
    const response = await bffFetch(call.url, { method: call.method, headers: call.headers, ...(call.body !== undefined ? { body: call.body } : {}) });
    setRetried(response);
    return response;
  } catch {
    clearStepUp();
    return undefined;
  }
}

/** Test hook. */
export function resetStepUpResume(): void {
  resumed = false;
}
