// Running moor's CLI in tests: in-process through main() with captured streams (fast, exact), or
// as a child process through bin/moor (the real executable, for exit codes, signals and TTY-less
// behaviour). bin/moor runs dist/: scripts/test.sh builds it before the integration tests.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import type { CommandContext } from '../../src/cli/command.js';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  readonly env?: Record<string, string>;
  readonly cwd?: string;
  readonly signal?: AbortSignal;
  /** Answer to a confirmation prompt; when set, the context says it is interactive. */
  readonly answer?: boolean;
}

export async function runMoor(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const ctx: CommandContext = {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    interactive: options.answer !== undefined,
    confirm: () => Promise.resolve(options.answer ?? false),
    signal: options.signal ?? new AbortController().signal,
  };
  const code = await main(args, ctx);
  return { code, stdout, stderr };
}

export const MOOR_BIN = fileURLToPath(new URL('../../bin/moor', import.meta.url));

/** Runs bin/moor as a child process (stdin closed: never interactive). */
export function spawnMoor(args: readonly string[], options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(MOOR_BIN, [...args], {
      cwd: options.cwd ?? process.cwd(),
      env: { PATH: process.env.PATH ?? '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 120_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal === null ? -1 : 128), stdout, stderr }));
  });
}
