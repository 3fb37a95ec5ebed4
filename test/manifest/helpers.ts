// Test helpers for the manifest layer: run the CLI in-process, and normalise YAML text in a
// temporary project folder.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runMoor } from '../support/cli.js';
import { formatIssue } from '../../src/manifest/issues.js';
import { type LoadResult, loadManifest } from '../../src/manifest/load.js';
import type { DesiredProject } from '../../src/model/desired.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runCli(argv: readonly string[], options: { cwd: string; env?: Record<string, string> }): Promise<CliRun> {
  return runMoor(argv, { cwd: options.cwd, env: options.env ?? {} });
}

/** Writes `files` (name -> content) into a fresh folder, runs `fn` there, and removes it. */
export async function withProject<T>(files: Readonly<Record<string, string>>, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), 'moor-manifest-'));
  try {
    for (const [name, content] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await writeFile(path.join(dir, name), content);
    }
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Loads `yaml` as moor.yaml of a temporary project (plus `files`), with `env` as moor's environment. */
export async function loadYaml(yaml: string, options: { files?: Record<string, string>; env?: Record<string, string>; envFiles?: string[] } = {}): Promise<LoadResult> {
  return withProject({ 'moor.yaml': yaml, ...options.files }, (dir) =>
    loadManifest({ files: ['moor.yaml'], cwd: dir, env: options.env ?? {}, ...(options.envFiles === undefined ? {} : { envFiles: options.envFiles }) }),
  );
}

/** The desired project of valid YAML; fails with the issues otherwise. */
export async function desiredOf(yaml: string, options: Parameters<typeof loadYaml>[1] = {}): Promise<DesiredProject> {
  const result = await loadYaml(yaml, options);
  if (!result.ok) throw new Error(`expected a valid manifest:\n${result.issues.map(formatIssue).join('\n')}`);
  return result.desired;
}

/** The formatted issues of YAML expected to be invalid. */
export async function issuesOf(yaml: string, options: Parameters<typeof loadYaml>[1] = {}): Promise<string[]> {
  const result = await loadYaml(yaml, options);
  if (result.ok) throw new Error('expected an invalid manifest');
  return result.issues.map(formatIssue);
}

/** A desired project as golden JSON: keys sorted, secret data "(sensitive)", config data as text. */
export function renderDesired(desired: DesiredProject, replacePaths: Readonly<Record<string, string>> = {}): string {
  let text = JSON.stringify(desired, (_key, value: unknown) => (value instanceof Uint8Array ? { utf8: Buffer.from(value).toString('utf8') } : sortKeys(value)), 2);
  for (const [from, to] of Object.entries(replacePaths)) text = text.split(from).join(to);
  return `${text}\n`;
}

function sortKeys(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) return value;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return value;
  return Object.fromEntries(Object.keys(value).sort().map((k) => [k, (value as Record<string, unknown>)[k]]));
}
