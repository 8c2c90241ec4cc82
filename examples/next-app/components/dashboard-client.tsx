'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import { bffFetch } from 'bffkit/react';

type Widget = { label: string; url: string; show: (data: unknown) => string };

const WIDGETS: Widget[] = [
  { label: 'Signed in as', url: '/api/backend/auth/me', show: (d) => String((d as { email?: unknown })?.email ?? '?') },
  { label: 'Notes', url: '/api/backend/notes', show: (d) => (Array.isArray(d) ? String(d.length) : '?') },
  { label: 'Latest note', url: '/api/backend/notes', show: (d) => (Array.isArray(d) && d.length ? String((d.at(-1) as { title?: unknown }).title) : 'none') },
];

/** One value per widget: its text, or the status of its last failed call. */
type Values = (string | null)[];

/**
 * The dashboard's widgets: every round fetches all of them at once, each with its own `bffFetch`
 * (as widgets written separately do). Counts rounds and failed calls for the page's readers.
 */
export function DashboardClient({ every }: { every: number }) {
  const [values, setValues] = useState<Values>(() => WIDGETS.map(() => null));
  const [rounds, setRounds] = useState(0);
  const [failures, setFailures] = useState(0);
  const busy = useRef(false);

  const load = useCallback(async () => {
    if (busy.current) return;
    busy.current = true;
    try {
      const results = await Promise.all(
        WIDGETS.map(async (w) => {
          try {
            const res = await bffFetch(w.url);
            if (!res.ok) return { ok: false, text: `error ${res.status}` };
            return { ok: true, text: w.show(await res.json()) };
          } catch {
            return { ok: false, text: 'offline' };
          }
        }),
      );
      setValues(results.map((r) => r.text));
      setFailures((n) => n + results.filter((r) => !r.ok).length);
      setRounds((n) => n + 1);
    } finally {
      busy.current = false;
    }
  }, []);

  useEffect(() => {
    void load();
    if (!every) return;
    const id = setInterval(() => void load(), every * 1000);
    return () => clearInterval(id);
  }, [load, every]);

  return (
    <div className="stack">
      <ul className="notes">
        {WIDGETS.map((w, i) => (
          <li key={i} className="card">
            <strong>{w.label}</strong> <span data-testid={`dashboard-widget-${i}`}>{values[i] ?? '…'}</span>
          </li>
        ))}
      </ul>
      <p className="muted">
        <button type="button" className="button button--ghost" data-testid="dashboard-reload" onClick={() => void load()}>
          Reload
        </button>{' '}
        <span data-testid="dashboard-rounds">{rounds}</span> rounds, <span data-testid="dashboard-failures">{failures}</span> failed calls
        {every ? ` (every ${every} s)` : ''}
      </p>
    </div>
  );
}
