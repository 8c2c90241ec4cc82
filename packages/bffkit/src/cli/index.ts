/**
 * The `bffkit` bin's dispatcher (bin.ts runs it): adding a command is one line in COMMANDS.
 *
 *   npx bffkit init --backend-url http://127.0.0.1:4000
 *   npx bffkit check-backend --url http://127.0.0.1:8000 --preset simplejwt --user alice
 */
import { checkBackendCommand } from './check-backend';
import type { Command, CommandIo } from './command';
import { initCommand } from './init';

/** The subcommands, by name. */
export const COMMANDS: readonly Command[] = [initCommand, checkBackendCommand];

/**
 * Runs `bffkit <command> [args]` and resolves to the exit status.
 *
 * @example
 * process.exitCode = await main(process.argv.slice(2), { out: console.log, err: console.error, env: process.env, cwd: process.cwd() });
 */
export async function main(argv: readonly string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  const command = COMMANDS.find((c) => c.name === name);
  if (command) return command.run(rest, io);
  const help = !name || name === '--help' || name === '-h' || name === 'help';
  const list = COMMANDS.map((c) => `  ${c.name.padEnd(16)}${c.summary}`).join('\n');
  (help ? io.out : io.err)(`${help ? '' : `bffkit: unknown command ${JSON.stringify(name)}\n\n`}Usage: bffkit <command> [options]\n\nCommands:\n${list}\n\nRun bffkit <command> --help for its options.`);
  return help ? 0 : 2;
}
