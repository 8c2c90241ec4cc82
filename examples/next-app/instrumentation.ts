/**
 * Runs once when the server starts, before it serves a request. The Node.js part (instrumentation-node.ts)
 * checks bffkit's configuration against what the identity provider advertises.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === 'nodejs') await import('./instrumentation-node');
}
