/**
 * Not the app's 404 page (unknown URLs get the App Router's not-found page): it exists so that Next.js
 * 16.4's Turbopack build includes the Pages Router at all. Without one Pages Router route, Turbopack
 * skips pages/_error.tsx and `next build` fails with "Cannot find module for page: /_document".
 * Only a direct visit to /404 shows it.
 */
export default function NotFound() {
  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', padding: '2rem' }}>
      <h1>Page not found</h1>
      <p>
        <a href="/">Back to the home page</a>
      </p>
    </main>
  );
}
