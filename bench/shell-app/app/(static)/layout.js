/** A root layout that never reads the session: its pages are fully static. */
export default function StaticLayout({ children }) {
  return (
    <html lang="en" className="h-full antialiased">
      <body className="min-h-full flex flex-col">{children}</body>
    </html>
  );
}
