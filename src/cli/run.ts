// Binds the CLI to the real process: streams, environment, terminal prompts.
import { main } from './main.js';
import type { CommandContext } from './command.js';

export async function run(argv: readonly string[]): Promise<number> {
  const interrupt = new AbortController();
  const onSignal = (name: NodeJS.Signals): void => {
    if (interrupt.signal.aborted) process.exit(130); // a second Ctrl-C: stop now
    process.stderr.write(`\nmoor: ${name} received: finishing the running steps, starting no new ones (again to stop at once)\n`);
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
