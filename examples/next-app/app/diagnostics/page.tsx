import type { Metadata } from 'next';
import { DiagnosticsView } from '@/components/diagnostics-view';

export const metadata: Metadata = { title: 'Diagnostics · bffkit example' };

/**
 * What bffkit is configured to do and how it is doing: a view of GET /api/auth/diagnostics. The page
 * itself holds nothing: the endpoint decides (off in production unless enabled, with its own token).
 */
export default function DiagnosticsPage() {
  return (
    <section className="card stack">
      <h1>Diagnostics</h1>
      <p className="muted">
        The resolved configuration (secrets masked), your session&apos;s lifetimes and token expiry (never the tokens),
        the last audit events and whether the upstreams answer. On by default under <code>next dev</code> only.
      </p>
      <DiagnosticsView />
    </section>
  );
}
