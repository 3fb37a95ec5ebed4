// Binds the CLI to the real process: streams, environment, terminal prompts.
import { firstInterrupt, main } from './main.js';
import type { CommandContext } from './command.js';
import { INTERRUPTED_EXIT_CODE, outputFailure } from './errors.js';

const OUTPUTS = [
  [process.stdout, 'stdout'],
  [process.stderr, 'stderr'],
] as const;

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
  for (const [stream, name] of OUTPUTS) stream.on('error', (err: unknown) => process.exit(failOutput(err, name)));
  const interrupt = new AbortController();
  const onSignal = (name: NodeJS.Signals): void => {
    const first = firstInterrupt(argv, name);
    // A second Ctrl-C stops now; so does the first, for a command with nothing to finish.
    if (interrupt.signal.aborted || first.action === 'exit') process.exit(INTERRUPTED_EXIT_CODE);
    if (first.notice !== null) process.stderr.write(`\n${first.notice}\n`);
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
    const code = await main(argv, ctx);
    // A write that failed is known at once (pipes are written synchronously), its 'error' event
    // only later: bin/moor might exit before it with the command's own status.
    for (const [stream, name] of OUTPUTS) if (stream.errored !== null) return failOutput(stream.errored, name);
    return code;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * WARNING: Node ignores SIGPIPE, so a reader that exits early (`moor plan --json | head -1`) makes
 * the next write fail with EPIPE, an 'error' event that, unhandled, crashes with a stack trace.
 * moor exits instead, as a program SIGPIPE stops would (cli/errors.ts: 141, silently). The
 * listeners are never removed: the event may come after run() returns, and bin/moor writes after.
 */
let outputFailed: number | null = null;

/** Says once why writing failed (when it can be said); returns the exit status. */
function failOutput(err: unknown, name: 'stdout' | 'stderr'): number {
  if (outputFailed !== null) return outputFailed;
  const { code, message } = outputFailure(err, name);
  outputFailed = code;
  if (message !== null) process.stderr.write(message);
  return code;
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
