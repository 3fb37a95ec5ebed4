// Running one command the way every tool is run: spawned from here under /usr/bin/time (for its
// peak RSS), its wall time taken from spawn to exit, its output kept for the failure notes.
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface CommandResult {
  readonly ms: number;
  readonly exitCode: number;
  /** Peak resident set size of the command, in KiB (GNU time's %M). */
  readonly rssKb: number | null;
  /** CPU time of the command (user + system), in ms: unlike wall time, hardly moved by other load. */
  readonly cpuMs: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

let sequence = 0;

export async function runCommand(command: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<CommandResult> {
  const rssFile = path.join(os.tmpdir(), `moor-bench-rss-${process.pid}-${++sequence}`);
  const started = performance.now();
  const child = spawn('/usr/bin/time', ['-f', '%M %U %S', '-o', rssFile, command, ...args], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code ?? 1));
  });
  const ms = performance.now() - started;
  let rssKb: number | null = null;
  let cpuMs: number | null = null;
  try {
    const text = readFileSync(rssFile, 'utf8').trim().split('\n');
    const [rss, user, sys] = (text[text.length - 1] ?? '').split(' ').map(Number);
    if (rss !== undefined && Number.isFinite(rss)) rssKb = rss;
    if (user !== undefined && sys !== undefined && Number.isFinite(user + sys)) cpuMs = Math.round((user + sys) * 1000);
  } catch {
    // no figures: the command did not start
  }
  rmSync(rssFile, { force: true });
  return { ms, exitCode, rssKb, cpuMs, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

/** The last non-empty line of a command's error output (or its output), for a failure note. */
export function lastLine(result: Pick<CommandResult, 'stdout' | 'stderr'>): string {
  const lines = `${result.stdout}\n${result.stderr}`
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('Command exited with non-zero status'));
  return lines[lines.length - 1] ?? '';
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function loadAverage(): [number, number, number] {
  const [a, b, c] = readFileSync('/proc/loadavg', 'utf8').split(' ').map(Number);
  return [a ?? 0, b ?? 0, c ?? 0];
}
