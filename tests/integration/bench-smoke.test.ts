/**
 * `npm run bench` still runs: one short round of every benchmark (`--quick`), against the built
 * library and example backend (npm run build), with the bench's own Next apps built on the fly.
 * Quick figures are not representative, so only the functional goals are asserted here: the cookie
 * size (deterministic), the single-flight refresh storm, and streaming without buffering.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// The dpop section starts two providers and two backends of its own (about 15 s on a quiet machine); the
// page-shell benchmark builds its own Next app (bench/shell-app) on the fly: about 40 s of the run.
const RUN_TIMEOUT_MS = 280_000;
const BENCHMARKS = ['session-read', 'cookie-size', 'forwarding', 'session-endpoint', 'streaming', 'refresh-storm', 'telemetry', 'dpop', 'page-shell'];

type Goal = { name: string; value: number; target: number; met: boolean };
type Results = {
  quick: boolean;
  machine: { loadTool: string; node: string };
  benchmarks: Record<string, { title: string; goals: Goal[]; results: unknown }>;
  goals: Goal[];
  errors: { name: string; error: string }[];
};

const dir = mkdtempSync(join(tmpdir(), 'bffkit-bench-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runBench(out: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bench/run.mjs', '--quick', '--no-build', '--out', out], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGTERM'); // run.mjs stops its own children on SIGTERM
      reject(new Error(`bench/run.mjs --quick took longer than ${RUN_TIMEOUT_MS} ms:\n${stderr.slice(-4000)}`));
    }, RUN_TIMEOUT_MS);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('npm run bench (quick smoke run)', () => {
  it(
    'runs one short round of every benchmark, prints the tables and writes the results file',
    async () => {
      const out = join(dir, 'results.json');
      const { code, stdout, stderr } = await runBench(out);
      expect(code, stderr.slice(-4000)).toBe(0);

      for (const heading of ['Session read', 'Cookie bytes', 'Observability overhead', 'Forwarding', 'Session endpoint', 'Streaming', 'Refresh storm', 'DPoP on forwarded calls', 'Page with Cache Components', 'Goals']) {
        expect(stdout).toContain(`#### ${heading}`);
      }
      expect(stdout).toMatch(/\| goal \| measured \| target \| met \|/);

      const results = JSON.parse(readFileSync(out, 'utf8')) as Results;
      expect(results.quick).toBe(true);
      expect(results.errors).toEqual([]);
      expect(Object.keys(results.benchmarks).sort()).toEqual([...BENCHMARKS].sort());
      for (const name of BENCHMARKS) expect(results.benchmarks[name]!.goals.length, name).toBeGreaterThan(0);

      const goal = (prefix: string) => {
        const g = results.goals.find((x) => x.name.startsWith(prefix));
        if (!g) throw new Error(`no goal named "${prefix}…"`);
        return g;
      };
      expect(goal('cookie ≤ 0.75× jose').met).toBe(true);
      expect(goal('refresh storm: exactly 1 backend refresh').value).toBe(1);
      expect(goal('refresh storm: 0 failures').met).toBe(true);
      expect(goal('dpop: no errors').met).toBe(true);
      expect(goal('streaming 20 MB: RSS growth ≤ 64 MB (route handler)').met).toBe(true);
      expect(goal('forwarding: no errors').value).toBe(0);
    },
    RUN_TIMEOUT_MS + 10_000,
  );
});
