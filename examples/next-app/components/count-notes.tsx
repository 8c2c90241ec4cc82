'use client';

import { useState } from 'react';
import type { CallResult } from 'bffkit/next';

type Props = { count: () => Promise<CallResult<number>> };

/** Calls a Server Action that calls the backend, and shows the typed answer it returns. */
export function CountNotes({ count }: Props) {
  const [result, setResult] = useState<CallResult<number> | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <div className="stack">
      <div>
        <button
          type="button"
          className="button button--ghost"
          data-testid="count-notes"
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            try {
              setResult(await count());
            } finally {
              setBusy(false);
            }
          }}
        >
          Count my notes (Server Action)
        </button>
      </div>
      {result ? (
        <p data-testid="count-result" className={result.ok ? 'muted' : 'alert'}>
          {result.ok ? `${result.data} notes` : `${result.code}: ${result.message}`}
        </p>
      ) : null}
    </div>
  );
}
