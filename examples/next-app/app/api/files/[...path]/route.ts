import { bff } from '@/lib/bff';

// Large downloads and uploads (streamed both ways, up to 256 MiB per upload).
export const { GET, POST } = bff.forwardRoutes('files');
