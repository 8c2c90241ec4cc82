import { credentialsBackend } from 'bffkit';
import { createBffNext } from 'bffkit/next';

/** Configured like the README's lib/bff.ts, from the environment at the first request. */
export const bff = createBffNext(() => ({
  secret: process.env.BFF_SECRET,
  baseUrl: process.env.APP_URL,
  backend: credentialsBackend({ url: process.env.BACKEND_URL }),
}));
