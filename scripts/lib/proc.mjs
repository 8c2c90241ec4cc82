// Process helpers shared by scripts/test.mjs, the demo scripts and the other scripts/lib modules.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Runs a command with inherited stdio and resolves to its exit code (never rejects).
 *
 * @example
 * const code = await run('npm', ['run', 'build']);
 */
export function run(command, args, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: 'inherit', ...options });
    child.once('error', (err) => {
      console.error(`could not start ${command}: ${err.message}`);
      resolve(127);
    });
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 + 1 : 1)));
  });
}

/** Seconds since `start` (a `performance.now()` value), one decimal. */
export function elapsed(start) {
  return `${((performance.now() - start) / 1000).toFixed(1)} s`;
}

/**
 * Resolves true when nothing listens on `port` on loopback (IPv4 and, if available, IPv6).
 *
 * @example
 * if (!(await portFree(3000))) console.error('port 3000 is taken');
 */
export async function portFree(port) {
  for (const host of ['127.0.0.1', '::1']) {
    const result = await tryListen(port, host);
    if (result === 'in-use') return false;
  }
  return true;
}

function tryListen(port, host) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err) => resolve(err.code === 'EADDRINUSE' || err.code === 'EACCES' ? 'in-use' : 'n/a'));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve('free')));
  });
}

/**
 * Polls `url` until it answers with `status` (default 200), `isDead()` turns true, or the
 * timeout passes. Resolves to null on success, else a reason string.
 *
 * @example
 * const problem = await waitForHttp('http://127.0.0.1:4000/.well-known/jwks.json', 30_000);
 */
export async function waitForHttp(url, timeoutMs, isDead = () => false, status = 200) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (isDead()) return 'the process exited';
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000), redirect: 'manual' });
      await res.arrayBuffer();
      if (res.status === status) return null;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err.cause?.code ?? err.message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return `no ${status} answer within ${timeoutMs / 1000} s (last: ${last})`;
}
