/** The `bffkit` executable: runs the dispatcher with this process's streams, arguments and environment. */
import { createInterface } from 'node:readline/promises';
import { main } from './index';

// Output piped into `head` and closed early is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

main(process.argv.slice(2), {
  out: (text) => void process.stdout.write(`${text}\n`),
  err: (text) => void process.stderr.write(`${text}\n`),
  env: process.env,
  cwd: process.cwd(),
  ...(process.stdin.isTTY && {
    async prompt(question: string) {
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    },
  }),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bffkit: unexpected ${(error as Error)?.name ?? 'error'}\n`);
    process.exitCode = 1;
  },
);
