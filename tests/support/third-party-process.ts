/**
 * Shared start-up for the third-party backends in tests/backends/ (Django REST framework +
 * simplejwt, better-auth, Payload CMS): each runs as its own process on a free loopback port with
 * its database in a fresh temporary folder, is tracked so it dies with the test process, and is
 * ready once its health URL answers 200.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, baseEnv, track, waitUntilReady } from './app-process';
import { freePort } from './ports';

/** tests/backends/ */
export const BACKENDS_DIR = join(REPO_ROOT, 'tests', 'backends');

/** The hint every "not installed" error ends with. */
export const INSTALL_HINT = 'Install the test backends first: `node scripts/install-backends.mjs` at the repo root.';

const PORT_ATTEMPTS = 3;

/** What every started third-party backend offers. */
export interface ThirdPartyProcess {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  pid: number;
  /** The temporary folder holding this process's database (removed by stop()). */
  dataDir: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Stops the process (SIGTERM, SIGKILL after 5 s), waits for it, removes its data folder. Idempotent. */
  stop(): Promise<void>;
}

/** How to start one backend: the command and env, given its port and data folder. */
export interface SpawnSpec {
  label: string;
  cwd: string;
  /** Files that must exist, else the start fails at once with {@link INSTALL_HINT}. */
  requires?: string[];
  command: (port: number, dataDir: string) => { command: string; args: string[]; env: Record<string, string> };
  /** Path polled until it answers 200, e.g. `/api/health/`. */
  readyPath: string;
  readyTimeoutMs: number;
}

/**
 * Starts a backend from `spec` on a free port, retrying another port when the chosen one was taken
 * in between, and resolves once `readyPath` answers 200.
 *
 * @example
 * const proc = await spawnThirdParty({ label: 'django', cwd, command: (port, dir) => ({ ... }), readyPath: '/api/health/', readyTimeoutMs: 30_000 });
 */
export async function spawnThirdParty(spec: SpawnSpec): Promise<ThirdPartyProcess> {
  for (const file of spec.requires ?? []) {
    if (!existsSync(file)) throw new Error(`${spec.label}: ${file} is missing. ${INSTALL_HINT}`);
  }
  let lastError: unknown;
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), `bffkit-${spec.label}-`));
    const { command, args, env } = spec.command(port, dataDir);
    const child = spawn(command, args, {
      cwd: spec.cwd,
      env: { ...baseEnv(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const proc = track(child, spec.label);
    const stop = async () => {
      await proc.stop();
      rmSync(dataDir, { recursive: true, force: true });
    };
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitUntilReady(url + spec.readyPath, proc, spec.readyTimeoutMs);
      return { url, port, pid: child.pid ?? -1, dataDir, output: proc.output, stop };
    } catch (error) {
      await stop();
      lastError = error;
      // Only the race where another process took the port in between is worth another try.
      if (!/EADDRINUSE|address already in use/i.test(proc.output())) throw error;
    }
  }
  throw lastError;
}
