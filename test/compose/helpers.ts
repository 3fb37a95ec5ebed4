// Test helpers for the Compose reader: load Compose text from a temporary project folder.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { formatIssue } from '../../src/manifest/issues.js';
import { type ProjectLoadOptions, type ProjectLoadResult, loadProject } from '../../src/compose/front.js';
import type { DesiredProject } from '../../src/model/desired.js';
import { withProject } from '../manifest/helpers.js';

export type ComposeTestOptions = Partial<Omit<ProjectLoadOptions, 'cwd'>> & { readonly extraFiles?: Readonly<Record<string, string>> };

/** Loads `compose` as compose.yaml of a temporary project folder named `folder` (plus `extraFiles`). */
export async function loadComposeText(compose: string, options: ComposeTestOptions = {}, folder = 'app'): Promise<ProjectLoadResult> {
  const { extraFiles, ...load } = options;
  return withProject({ [`${folder}/compose.yaml`]: compose, ...Object.fromEntries(Object.entries(extraFiles ?? {}).map(([k, v]) => [`${folder}/${k}`, v])) }, (dir) =>
    loadProject({ files: ['compose.yaml'], env: {}, ...load, cwd: `${dir}/${folder}` }),
  );
}

/** The desired project of a valid Compose file (and its warnings); fails with the issues otherwise. */
export async function composeDesired(compose: string, options: ComposeTestOptions = {}, folder = 'app'): Promise<{ desired: DesiredProject; warnings: string[] }> {
  const result = await loadComposeText(compose, options, folder);
  if (!result.ok) throw new Error(`expected a valid Compose file:\n${result.issues.map(formatIssue).join('\n')}`);
  return { desired: result.desired, warnings: result.warnings.map(formatIssue) };
}

/** The formatted issues of a Compose file expected to be invalid. */
export async function composeIssues(compose: string, options: ComposeTestOptions = {}, folder = 'app'): Promise<string[]> {
  const result = await loadComposeText(compose, options, folder);
  if (result.ok) throw new Error('expected an invalid Compose file');
  return result.issues.map(formatIssue);
}

/** A corpus case's command-line arguments (`args`, one per line) and environment (`env.json`). */
export async function caseOptions(dir: string): Promise<{ args: string[]; env: Record<string, string> }> {
  const argsFile = path.join(dir, 'args');
  const envFile = path.join(dir, 'env.json');
  return {
    args: existsSync(argsFile) ? (await readFile(argsFile, 'utf8')).split('\n').filter((l) => l !== '') : [],
    env: existsSync(envFile) ? (JSON.parse(await readFile(envFile, 'utf8')) as Record<string, string>) : {},
  };
}
