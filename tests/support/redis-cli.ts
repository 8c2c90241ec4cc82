/**
 * `redis-cli` from tests: the multi-line replies of CLUSTER INFO, INFO and SENTINEL are easier to read
 * through the real client than through hand-written RESP.
 */
import { execFile } from 'node:child_process';

const CLI_TIMEOUT_MS = 10_000;

/**
 * Runs `redis-cli -h 127.0.0.1 -p <port> <args…>` and answers its stdout (raw replies, no quoting).
 * Rejects when the command cannot run or exits non-zero.
 *
 * @example
 * const info = await redisCli(7001, ['CLUSTER', 'INFO']);
 */
export function redisCli(port: number, args: readonly string[], timeoutMs = CLI_TIMEOUT_MS): Promise<string> {
  const binary = process.env.REDIS_CLI ?? 'redis-cli';
  return new Promise((resolve, reject) => {
    execFile(binary, ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error) reject(new Error(`redis-cli -p ${port} ${args.join(' ')} failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** `field:value` lines (INFO, CLUSTER INFO) as a map. */
export function infoFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) fields.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  return fields;
}

/**
 * Polls `check` until it answers true or `timeoutMs` passes; errors thrown by `check` count as false.
 *
 * @example
 * await pollUntil(async () => (await redisCli(p, ['PING'])).includes('PONG'), 5_000, 'no PONG');
 */
export async function pollUntil(check: () => Promise<boolean> | boolean, timeoutMs: number, message: string, intervalMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      if (await check()) return;
    } catch (error) {
      last = (error as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`${message} (waited ${timeoutMs} ms)${last ? `; last error: ${last}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
