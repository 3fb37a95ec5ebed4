// Binds the CLI to the real process: streams, environment, terminal prompts.
import { main } from './main.js';
import type { CommandContext } from './command.js';

const plainNote = (text: string): void => void process.stderr.write(`moor: debug: ${text}\n`);
let writeNote = plainNote;

/**
 * A debug note written after the command (bin/moor's compile cache, src/cli/launch.ts): a plain
 * line, or a record of the command's log when it has one (ctx.logNotes).
 */
export function debugNote(text: string): void {
  writeNote(text);
}

export async function run(argv: readonly string[]): Promise<number> {
  writeNote = plainNote;
  const interrupt = new AbortController();
  const onSignal = (name: NodeJS.Signals): void => {
    if (interrupt.signal.aborted) process.exit(130); // a second Ctrl-C: stop now
    // moor watch says it in its own log (text, or JSON lines), as its `stopping` record.
    if (argv[0] !== 'watch') process.stderr.write(`\nmoor: ${name} received: finishing the running steps, starting no new ones (again to stop at once)\n`);
    interrupt.abort(new Error(name));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const ctx: CommandContext = {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    interactive: process.stdin.isTTY === true && process.stdout.isTTY === true,
    confirm: askYesNo,
    signal: interrupt.signal,
    logNotes: (write) => {
      writeNote = write;
    },
  };
  try {
    return await main(argv, ctx);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function askYesNo(question: string): Promise<boolean> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(`${question} `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
