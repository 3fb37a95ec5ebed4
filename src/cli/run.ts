// Binds the CLI to the real process: streams, environment, terminal prompts.
import { main } from './main.js';
import type { CommandContext } from './command.js';

export async function run(argv: readonly string[]): Promise<number> {
  const ctx: CommandContext = {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    interactive: process.stdin.isTTY === true && process.stdout.isTTY === true,
    confirm: askYesNo,
  };
  return main(argv, ctx);
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
