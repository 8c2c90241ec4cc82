import { bff } from '@/lib/bff';

// GET /api/auth/session is the most frequent auth call (every tab, on focus). A static route file beside
// the catch-all spares Next's catch-all matching (measured ~80 µs per request). Same handlers as the
// catch-all, so other methods still get bffkit's JSON 405.
export const { GET, POST } = bff.authRoutes;
