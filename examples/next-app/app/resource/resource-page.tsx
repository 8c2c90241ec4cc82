import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { bff } from '@/lib/bff';

export const metadata: Metadata = { title: 'Backend resource · bffkit example' };

/**
 * A Server Component that fetches one backend resource on the server with the session's access token
 * (BFF_RESOURCE_PATH, default /notes) and shows the status and the JSON it answered: a generic page
 * for any backend (docs/backends/).
 */
export default async function ResourcePage() {
  const session = await bff.getSession();
  if (session.status !== 'authenticated') redirect('/login?returnTo=%2Fresource');
  const path = process.env.BFF_RESOURCE_PATH || '/notes';
  const res = await bff.fetchBackend(path);
  const text = await res.text();
  let body = text;
  try {
    body = JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    // not JSON: shown as it came
  }
  return (
    <section className="card stack">
      <h1>Backend resource</h1>
      <p className="muted">
        <code>GET {path}</code>, fetched by the Next.js server with your session&apos;s access token:{' '}
        <span data-testid="resource-status">{res.status}</span>
      </p>
      <pre data-testid="resource-body">{body}</pre>
    </section>
  );
}
