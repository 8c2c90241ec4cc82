/** The shape of a `bffkit` subcommand: a name, a one-line summary, and a run function. */

/** What a command may touch: its output streams, the environment, the working directory. */
export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** Asks a question on the terminal and resolves to the answer; absent when there is no terminal. */
  prompt?(question: string): Promise<string>;
}

/** One subcommand of the `bffkit` bin. */
export interface Command {
  name: string;
  summary: string;
  /** Runs with the arguments after the command name; resolves to the exit status. */
  run(argv: readonly string[], io: CommandIo): Promise<number>;
}
