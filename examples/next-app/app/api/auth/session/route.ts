import { bff } from '@/lib/bff';

// GET /api/auth/session is the most frequent auth call (every tab, on focus). A static route file beside
// the catch-all spares Next's catch-all matching (measured ~80 µs per request); same handler.
export const { GET } = bff.authRoutes;
