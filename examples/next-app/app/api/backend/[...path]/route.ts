import { bff } from '@/lib/bff';

// The browser's calls to the backend: /api/backend/notes… → BACKEND_URL/notes…, token attached here.
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = bff.forwardRoutes('backend');
