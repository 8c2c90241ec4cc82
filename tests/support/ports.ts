/**
 * Free TCP ports on 127.0.0.1 for test servers.
 */
import { createServer } from 'node:net';

/**
 * Asks the OS for a free port on 127.0.0.1 and releases it again.
 *
 * There is a small window between release and reuse; test processes bind immediately, and
 * ports handed out by this process are never handed out twice.
 *
 * @example
 * const port = await freePort();
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await askOs();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('freePort: could not find an unused port after 20 attempts');
}

const handedOut = new Set<number>();

function askOs(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('freePort: unexpected server address'));
        return;
      }
      const { port } = address;
      server.close(() => resolve(port));
    });
  });
}
