'use client';

import { useCallback, useEffect, useState, type FormEvent } from 'react';

type Report = {
  generatedAt: string;
  config: Record<string, unknown>;
  session: Record<string, unknown>;
  events: { recent: { type: string; timestamp: string; outcome: string; userId: string | null }[]; delivery: Record<string, number> | null };
  openTelemetry: { state: string; propagate: boolean };
  upstreams: { name: string; url: string; reachable: boolean; status?: number; error?: string; ms: number }[];
};

type State = { kind: 'loading' } | { kind: 'off' } | { kind: 'token' } | { kind: 'error'; status: number } | { kind: 'ready'; report: Report };

/**
 * Fetches the diagnostics report. When the endpoint asks for its token (401), a field takes it; the
 * token stays in this component's memory only and is sent as `Authorization: Bearer …`.
 */
export function DiagnosticsView() {
  const [state, setState] = useState<State>({ kind: 'loading' });
  const [token, setToken] = useState('');

  const load = useCallback(async (withToken: string) => {
    const res = await fetch('/api/auth/diagnostics', {
      headers: withToken ? { authorization: `Bearer ${withToken}` } : {},
      cache: 'no-store',
    });
    if (res.status === 404) return setState({ kind: 'off' });
    if (res.status === 401) return setState({ kind: 'token' });
    if (!res.ok) return setState({ kind: 'error', status: res.status });
    setState({ kind: 'ready', report: (await res.json()) as Report });
  }, []);

  useEffect(() => {
    void load('');
  }, [load]);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    void load(token);
  };

  if (state.kind === 'loading') return <p className="hint">Loading…</p>;
  if (state.kind === 'off') {
    return (
      <p className="alert" role="alert" data-testid="diagnostics-off">
        Diagnostics are off. They are on under <code>next dev</code>; elsewhere start the app with{' '}
        <code>BFF_DIAGNOSTICS=1</code> and, in production, <code>BFF_DIAGNOSTICS_TOKEN</code>.
      </p>
    );
  }
  if (state.kind === 'error') return <p className="alert" role="alert">The diagnostics endpoint answered {state.status}.</p>;
  if (state.kind === 'token') {
    return (
      <form onSubmit={submit} className="stack" data-testid="diagnostics-token-form">
        <label className="field">
          Diagnostics token
          <input type="password" autoComplete="off" value={token} onChange={(e) => setToken(e.target.value)} data-testid="diagnostics-token" />
        </label>
        <button type="submit" className="button">Show</button>
      </form>
    );
  }
  const { report } = state;
  return (
    <div className="stack" data-testid="diagnostics-report">
      <h2>Your session</h2>
      <dl className="profile" data-testid="diagnostics-session">
        {Object.entries(report.session).map(([k, v]) => (
          <Row key={k} name={k} value={v} />
        ))}
      </dl>
      <h2>Upstreams</h2>
      <ul data-testid="diagnostics-upstreams">
        {report.upstreams.map((u) => (
          <li key={u.name}>
            <strong>{u.name}</strong> {u.url}: {u.reachable ? `answers (HTTP ${u.status}, ${u.ms} ms)` : `unreachable (${u.error})`}
          </li>
        ))}
      </ul>
      <h2>Recent events</h2>
      <table data-testid="diagnostics-events">
        <thead>
          <tr>
            <th>time</th>
            <th>type</th>
            <th>outcome</th>
            <th>user</th>
          </tr>
        </thead>
        <tbody>
          {[...report.events.recent].reverse().map((e, i) => (
            <tr key={i}>
              <td>{e.timestamp.slice(11, 23)}</td>
              <td>{e.type}</td>
              <td>{e.outcome}</td>
              <td>{e.userId ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="hint">
        OpenTelemetry: {report.openTelemetry.state}
        {report.openTelemetry.propagate ? ', traceparent sent to upstreams' : ''}. Events delivered:{' '}
        {report.events.delivery ? JSON.stringify(report.events.delivery) : 'no handler'}.
      </p>
      <h2>Configuration</h2>
      <pre data-testid="diagnostics-config">{JSON.stringify(report.config, null, 2)}</pre>
    </div>
  );
}

function Row({ name, value }: { name: string; value: unknown }) {
  return (
    <>
      <dt>{name}</dt>
      <dd>{typeof value === 'object' ? JSON.stringify(value) : String(value)}</dd>
    </>
  );
}
