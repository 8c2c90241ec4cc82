/**
 * The backend adapter as the core sees it: every call's failure diagnostic goes to the
 * {@link DiagnosticLog} (one line per spell), every success ends that step's spells. Built once
 * per configuration, on the context.
 */
import type { BackendAdapter } from './adapter';
import type { BackendStep, DiagnosticLog } from './diagnostics';

const STEPS: Readonly<Record<string, BackendStep>> = { login: 'login', refresh: 'refresh', user: 'user', revoke: 'logout' };

/**
 * Wraps `adapter` so its results are observed; every other member passes through unchanged (a
 * Proxy, so optional methods stay absent and adapters' own extras stay reachable). A revocation
 * that throws or fails without details is logged too and answered as a failure: a logout never
 * loses a revocation failure silently.
 *
 * @example
 * const backend = observeBackend(config.backend, new DiagnosticLog(config.logger, config.clock));
 */
export function observeBackend(adapter: BackendAdapter, log: DiagnosticLog): BackendAdapter {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(adapter, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      let fn = wrapped.get(prop);
      if (fn && (fn as { original?: unknown }).original === value) return fn;
      const step = typeof prop === 'string' && Object.hasOwn(STEPS, prop) ? STEPS[prop] : undefined;
      const call = value as (...args: unknown[]) => unknown;
      fn = step ? observed(target, call, step, log) : call.bind(target);
      (fn as { original?: unknown }).original = value;
      wrapped.set(prop, fn);
      return fn;
    },
  });
}

type Outcome = { ok: boolean; diagnostic?: Parameters<DiagnosticLog['report']>[0]; reason?: string } | void;

function observed(target: BackendAdapter, call: (...args: unknown[]) => unknown, step: BackendStep, log: DiagnosticLog) {
  return async (...args: unknown[]): Promise<unknown> => {
    let result: Outcome;
    try {
      result = (await call.apply(target, args)) as Outcome;
    } catch (error) {
      if (step !== 'logout') throw error;
      const name = (error as Error)?.name ?? 'error';
      log.report({ step, kind: 'adapter-error', problem: `the adapter's revoke() threw ${name}`, hint: 'revoke() should answer a result, never throw; the backend session may still be live' });
      return { ok: false, reason: 'unavailable' };
    }
    if (!result || typeof result !== 'object') return result;
    if (result.ok) log.succeeded(step);
    else if (result.diagnostic) log.report(result.diagnostic);
    else if (step === 'logout') {
      log.report({ step, kind: 'adapter-error', problem: `the adapter reported the revocation as ${result.reason ?? 'failed'}`, hint: 'the backend session may still be live until it expires' });
    }
    return result;
  };
}
