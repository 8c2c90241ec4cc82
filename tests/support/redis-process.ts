/**
 * Starts a real redis-server on a free 127.0.0.1 port for tests. Every test file starts its own,
 * so suites never share state (CI installs redis-server; REDIS_URL from the environment is ignored).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { track, type TrackedProcess } from './app-process';
import { freePort } from './ports';

const READY_TIMEOUT_MS = 10_000;

/** Options of {@link startRedis}. */
export interface StartRedisOptions {
  /**
   * Append-only file with `appendfsync always` in a temporary directory: every acknowledged write is
   * on disk, so `kill()` (SIGKILL) + `restart()` loses nothing. @default false (pure in-memory)
   */
  persistent?: boolean;
  /** @default REDIS_SERVER env or 'redis-server' */
  binary?: string;
}

/** A running redis-server. */
export interface RedisProcess {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** PID of the current server process. */
  pid(): number;
  /** Crashes the server (SIGKILL) and waits until it is gone. */
  kill(): Promise<void>;
  /** Starts the server again on the same port (and the same data directory). */
  restart(): Promise<void>;
  /** Freezes the server (SIGSTOP): connections stay open, nothing answers. */
  pause(): void;
  /** Unfreezes a paused server (SIGCONT). */
  resume(): void;
  /** Stops the server and removes its data directory. */
  stop(): Promise<void>;
  /** Everything the server printed. */
  output(): string;
}

/**
 * Starts redis-server on a free loopback port and waits until it answers PING.
 *
 * @example
 * const redis = await startRedis();
 * try { ... new Redis(redis.url) ... } finally { await redis.stop(); }
 */
export async function startRedis(options: StartRedisOptions = {}): Promise<RedisProcess> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bffkit-redis-'));
  const binary = options.binary ?? process.env.REDIS_SERVER ?? 'redis-server';
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--daemonize', 'no'];
  if (options.persistent) args.push('--appendonly', 'yes', '--appendfsync', 'always');
  else args.push('--appendonly', 'no');
  let proc: TrackedProcess;
  let log = '';
  const launch = async () => {
    proc = track(spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] }), 'redis');
    await waitForPing(port, proc);
  };
  await launch();
  const output = () => log + proc.output();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: () => proc.child.pid!,
    async kill() {
      if (proc.exited()) return;
      proc.child.kill('SIGCONT'); // a paused server must still die
      proc.child.kill('SIGKILL');
      await waitUntil(() => proc.exited(), 5_000, 'redis-server did not die');
    },
    async restart() {
      log += proc.output();
      await launch();
    },
    pause: () => void proc.child.kill('SIGSTOP'),
    resume: () => void proc.child.kill('SIGCONT'),
    async stop() {
      if (!proc.exited()) proc.child.kill('SIGCONT');
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
    output,
  };
}

async function waitForPing(port: number, proc: TrackedProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (proc.exited()) throw new Error(`redis-server exited before answering.\n--- output ---\n${proc.output()}`);
    const reply = await rawCommand(port, ['PING']).catch(() => '');
    if (reply.startsWith('+PONG')) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  await proc.stop();
  throw new Error(`redis-server on port ${port} did not answer PING in time.\n--- output ---\n${proc.output()}`);
}

async function waitUntil(done: () => boolean, timeoutMs: number, message: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(message);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** One RESP command with a one-line reply (PING) over a fresh socket; resolves with the raw reply. */
function rawCommand(port: number, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('redis command timed out'));
    }, 2_000);
    socket.on('connect', () => {
      socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
    });
    socket.on('data', (chunk) => {
      data += chunk.toString('utf8');
      if (data.endsWith('\r\n')) {
        clearTimeout(timer);
        socket.end();
        resolve(data);
      }
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
