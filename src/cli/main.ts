// The command line: dispatches to commands, and is the single error boundary of moor.
//
// Start-up time matters (moor runs in CI loops), so this module imports nothing heavy: each command
// is loaded with a dynamic import only when it runs, and `moor --help` loads no command at all.
import { isMoorError } from '../errors.js';
import { asUsageError } from './args.js';
import { exitCodeFor, formatError } from './errors.js';
import type { Command, CommandContext } from './command.js';

interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  readonly load: () => Promise<Command>;
  /**
   * What the first SIGINT/SIGTERM does (a second one always stops at once, exit 130):
   *   - 'finish': the command starts no new step and lets the running ones finish, and says so;
   *   - 'end': the command ends as it is meant to end, silently here (`logs --follow`; `watch`,
   *     which finishes its running steps and says so in its own log, text or JSON lines);
   *   - absent: the command only reads, nothing needs finishing: it stops at once, silently.
   */
  readonly interrupt?: 'finish' | 'end';
}

// The registry: name, one-line summary, and how to load it.
const COMMANDS: readonly CommandEntry[] = [
  { name: 'plan', summary: 'Show what apply would change, changing nothing', load: async () => (await import('./commands/plan.js')).command },
  { name: 'apply', summary: 'Make the Engine match the manifests', load: async () => (await import('./commands/apply.js')).command, interrupt: 'finish' },
  { name: 'destroy', summary: "Remove everything the project owns", load: async () => (await import('./commands/destroy.js')).command, interrupt: 'finish' },
  { name: 'status', summary: 'Show every object of the project, its state and its drift', load: async () => (await import('./commands/status.js')).command },
  { name: 'logs', summary: 'Print the output of a container or service of the manifest', load: async () => (await import('./commands/logs.js')).command, interrupt: 'end' },
  { name: 'watch', summary: 'Apply, then keep the project converged (events, file changes, Git)', load: async () => (await import('./commands/watch.js')).command, interrupt: 'end' },
  { name: 'validate', summary: 'Check manifests without contacting the Engine', load: async () => (await import('./commands/validate.js')).command },
  { name: 'convert', summary: 'Print the moor manifest equivalent to Compose files', load: async () => (await import('./commands/convert.js')).command },
  { name: 'version', summary: "Print moor's version and the Engine's", load: async () => (await import('./commands/version.js')).command },
];

export const USAGE_HEADER = `moor: a declarative reconciler for the Docker Engine

Usage: moor <command> [options]
`;

export function renderHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `${USAGE_HEADER}
Commands:
${lines.join('\n')}

Global options:
  -H, --host URL            Engine endpoint (default: $DOCKER_HOST, else unix:///var/run/docker.sock)
      --insecure-plaintext  Allow plaintext tcp:// to a non-loopback Engine
      --debug               Show stack traces and Engine requests (secrets are never shown)
  -h, --help                Show help (moor <command> --help for a command's options)

Exit codes: 0 success; 1 error; 2 plan --detailed-exitcode found changes; 130 stopped by a
signal at once; 141 output closed by its reader.
Run 'moor <command> --help' for more.
`;
}

/** What the first SIGINT/SIGTERM does to a run of `argv`: abort ctx.signal (with a notice to print, or none), or exit at once. */
export type FirstInterrupt = { readonly action: 'abort'; readonly notice: string | null } | { readonly action: 'exit' };

export function firstInterrupt(argv: readonly string[], signal: NodeJS.Signals): FirstInterrupt {
  const entry = COMMANDS.find((c) => c.name === argv[0]);
  switch (entry?.interrupt) {
    case 'finish':
      return { action: 'abort', notice: `moor: ${signal} received: finishing the running steps, starting no new ones (again to stop at once)` };
    case 'end':
      return { action: 'abort', notice: null };
    case undefined:
      return { action: 'exit' };
  }
}

export async function main(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    const topic = first === 'help' ? rest[0] : undefined;
    if (topic === undefined) {
      ctx.stdout.write(renderHelp());
      return 0;
    }
    return main([topic, '--help'], ctx);
  }
  if (first === '--version' || first === '-v') return main(['version', ...rest], ctx);

  const entry = COMMANDS.find((c) => c.name === first);
  if (entry === undefined) {
    ctx.stderr.write(`moor: unknown command '${first}'\n\n${renderHelp()}`);
    return 1;
  }
  const debug = rest.includes('--debug');
  try {
    const command = await entry.load();
    return await command.run(rest, ctx);
  } catch (thrown: unknown) {
    const err = asUsageError(thrown, entry.name);
    ctx.stderr.write(formatError(err, { debug }));
    return exitCodeFor(err);
  }
}

export { isMoorError };
