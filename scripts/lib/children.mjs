// Long-running child processes for the demo scripts (scripts/demo.mjs, scripts/demo-oidc.mjs):
// output prefixed with `[label]`, readiness by HTTP, and one shutdown that stops them all by PID.
import { spawn } from 'node:child_process';
import { waitForHttp } from './proc.mjs';

/**
 * A group of Node child processes that live and die together. `name` prefixes the group's own
 * messages (`demo: ...`). When one child stops while the group is not stopping, all stop and the
 * script exits 1; SIGINT, SIGTERM and SIGHUP stop all and exit 0.
 *
 * @example
 * const group = childGroup('demo');
 * const backend = group.start('backend', ['dist/server.js'], { cwd, env });
 * if (!(await group.ready(backend, 'http://127.0.0.1:4000/health', 'backend'))) return;
 */
export function childGroup(name, { readyTimeoutMs = 60_000, stopTimeoutMs = 5_000 } = {}) {
  const children = [];
  let stopping = false;

  /** Stops every child by PID (SIGTERM, then SIGKILL after `stopTimeoutMs`) and exits. */
  async function shutdown(code) {
    if (stopping) return;
    stopping = true;
    for (const c of children) if (!c.exited) c.child.kill('SIGTERM');
    const timer = setTimeout(() => {
      for (const c of children) if (!c.exited) c.child.kill('SIGKILL');
    }, stopTimeoutMs);
    await Promise.all(children.map((c) => c.exit));
    clearTimeout(timer);
    process.exit(code);
  }

  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => void shutdown(0));
  // Last resort (an exception in the script): never leave servers running.
  process.on('exit', () => {
    for (const c of children) if (!c.exited) c.child.kill('SIGKILL');
  });

  /** Spawns `node ...args`, its output prefixed with `[label]`. */
  function start(label, args, options) {
    // detached: Ctrl-C reaches only the script, which then stops the children by PID.
    const child = spawn(process.execPath, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    prefixLines(child.stdout, process.stdout, label);
    prefixLines(child.stderr, process.stderr, label);
    const entry = { label, child, exited: false };
    entry.exit = new Promise((resolve) => {
      const stopped = (why) => {
        entry.exited = true;
        resolve();
        if (!stopping) {
          console.error(`\n${name}: the ${label} ${why}; shutting down.`);
          void shutdown(1);
        }
      };
      child.once('exit', (code, signal) => stopped(`stopped unexpectedly (code ${code}, signal ${signal})`));
      child.once('error', (err) => stopped(`could not start: ${err.message}`));
    });
    children.push(entry);
    return entry;
  }

  /** Waits until `url` answers 200; else says why, shuts everything down and resolves false. */
  async function ready(entry, url, what) {
    const problem = await waitForHttp(url, readyTimeoutMs, () => entry.exited);
    if (!problem) return true;
    console.error(`${name}: the ${what} did not start: ${problem}`);
    await shutdown(1);
    return false;
  }

  return { start, ready, shutdown };
}

function prefixLines(stream, out, label) {
  let rest = '';
  stream.on('data', (chunk) => {
    const lines = (rest + chunk.toString('utf8')).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) out.write(`[${label}] ${line}\n`);
  });
  stream.on('end', () => rest && out.write(`[${label}] ${rest}\n`));
}
