/**
 * `bffkit check-backend`: builds the backend adapter from a config file and/or flags, runs the
 * adapter contract against the live backend with a test account, and prints what the backend does,
 * what bffkit will do, and the configuration to change. Never prints a token or password.
 */
import { extname, resolve } from 'node:path';
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { BackendAdapter } from '../core/backends/adapter';
import { credentialsBackend } from '../core/backends/credentials';
import { safeCode } from '../core/backends/diagnostics';
import type { CredentialsBackendOptions } from '../core/backends/credentials-types';
import { ConfigError } from '../core/errors';
import { loginFormOf, runContract, type CheckReport } from './contract';
import type { Command, CommandIo } from './command';
import { recordingFetch, type Recorder } from './recorder';
import { renderReport } from './report';

const USAGE = `Usage: bffkit check-backend [--config FILE] [--url URL] [--preset NAME] [--user ID] [options]

Runs the backend adapter contract against a live backend with a test account: login, user,
refresh, rotation, two concurrent refreshes, reuse of an old refresh token, logout and reuse of
the revoked token, a wrong password. Prints what the backend does, what bffkit will do, and the
configuration it suggests. Makes three sign-ins, one with a wrong password.

  --config FILE    credentialsBackend options (.json), or a module (.mjs/.js) whose default (or
                   \`backend\`) export is those options, an adapter, or a function returning either
  --url URL        the backend URL (overrides the file's)
  --preset NAME    oauth2 | simplejwt | betterAuth | payload (overrides the file's)
  --user ID        the test account's identity (or BFFKIT_CHECK_USER)
  --password PW    its password; prefer BFFKIT_CHECK_PASSWORD (a flag shows in the process list)
  --field K=V      another browser login field, repeatable
  --timeout S      seconds per backend call (default 10)
  --json           print the report as JSON
  -h, --help       this text

Exit status: 0 when nothing failed, 1 when a step failed, 2 for a usage or configuration error.`;

/** The check-backend command. */
export const checkBackendCommand: Command = {
  name: 'check-backend',
  summary: 'run the adapter contract against a live backend and print what fits',
  run: checkBackend,
};

async function checkBackend(argv: readonly string[], io: CommandIo): Promise<number> {
  let flags;
  try {
    flags = parseArgs({
      args: [...argv],
      options: {
        config: { type: 'string' }, url: { type: 'string' }, preset: { type: 'string' }, user: { type: 'string' },
        password: { type: 'string' }, field: { type: 'string', multiple: true }, timeout: { type: 'string' },
        json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (error) {
    io.err(`bffkit check-backend: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (flags.help) {
    io.out(USAGE);
    return 0;
  }
  const user = flags.user ?? io.env.BFFKIT_CHECK_USER;
  const password = flags.password ?? io.env.BFFKIT_CHECK_PASSWORD;
  if (!user || !password) {
    io.err('bffkit check-backend: a test account is needed: --user (or BFFKIT_CHECK_USER) and BFFKIT_CHECK_PASSWORD (or --password)');
    return 2;
  }
  const recorder = recordingFetch();
  let built: { adapter: BackendAdapter; title: string };
  try {
    built = await buildAdapter(flags, io, recorder);
  } catch (error) {
    const message = error instanceof ConfigError ? error.message : `bffkit: ${(error as Error)?.message ?? String(error)}`;
    io.err(`bffkit check-backend: ${message.replace(/^bffkit: /, '')}`);
    return 2;
  }
  const { form, passwordField } = loginFormOf(built.adapter);
  const fields: Record<string, string> = { [form.identity]: user, [passwordField]: password };
  for (const pair of flags.field ?? []) {
    const at = pair.indexOf('=');
    if (at < 1) {
      io.err(`bffkit check-backend: --field takes NAME=VALUE, got ${JSON.stringify(pair.slice(0, 40))}`);
      return 2;
    }
    fields[pair.slice(0, at)] = pair.slice(at + 1);
  }
  const report = await runContract(built.adapter, { fields, passwordField }, recorder);
  const scrub = scrubber([password, ...tokensSeen(recorder)]);
  if (flags.json) io.out(scrub(JSON.stringify({ target: built.title, ...report }, null, 2)));
  else for (const line of renderReport(report, built.title)) io.out(scrub(line));
  return failedAny(report) ? 1 : 0;
}

async function buildAdapter(
  flags: { config?: string; url?: string; preset?: string; timeout?: string },
  io: CommandIo,
  recorder: Recorder,
): Promise<{ adapter: BackendAdapter; title: string }> {
  let loaded: unknown = {};
  if (flags.config) loaded = await loadConfig(resolve(io.cwd, flags.config));
  if (isAdapter(loaded)) return { adapter: loaded, title: `${flags.config} (a ${loaded.kind} adapter)` };
  if (!loaded || typeof loaded !== 'object') throw new Error(`${flags.config} must export credentialsBackend options or an adapter`);
  const options = { ...(loaded as CredentialsBackendOptions) };
  if (flags.url) options.url = flags.url;
  if (flags.preset) options.preset = flags.preset as CredentialsBackendOptions['preset'];
  if (flags.timeout) options.timeout = Number(flags.timeout);
  if (options.url === undefined) throw new Error('no backend url: pass --url or set url in --config');
  const adapter = credentialsBackend({ ...options, fetch: recorder.fetch });
  return { adapter, title: `${adapter.options.base.href.replace(/\/$/, '')} (preset ${adapter.options.preset}${flags.config ? `, ${flags.config}` : ''})` };
}

async function loadConfig(file: string): Promise<unknown> {
  if (extname(file) === '.json') return JSON.parse(await readFile(file, 'utf8'));
  const mod = (await import(pathToFileURL(file).href)) as { default?: unknown; backend?: unknown };
  const value = mod.default ?? mod.backend;
  return typeof value === 'function' ? await (value as () => unknown)() : value;
}

function isAdapter(value: unknown): value is BackendAdapter {
  return !!value && typeof value === 'object' && typeof (value as BackendAdapter).refresh === 'function' && typeof (value as BackendAdapter).user === 'function';
}

function failedAny(report: CheckReport): boolean {
  return report.rows.some((r) => r.verdict === 'fail');
}

/**
 * Long unbroken strings the backend answered (tokens among them, never an error code such as
 * MISSING_OR_NULL_ORIGIN): never printed, whatever a row says.
 */
function tokensSeen(recorder: Recorder): string[] {
  const found: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string' && v.length >= 16 && !/\s/.test(v) && !safeCode(v)) found.push(v);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  recorder.exchanges.forEach((e) => walk(e.json));
  return found;
}

function scrubber(secrets: string[]): (text: string) => string {
  const sorted = [...new Set(secrets.filter((s) => s.length >= 4))].sort((a, b) => b.length - a.length);
  return (text) => sorted.reduce((t, s) => t.split(s).join('[redacted]'), text);
}
