// loadProject: the one entry point for every command that reads manifests. It decides the reading
// (moor's format or Compose: detect.ts) and loads the files with the matching front end; both end
// in the same DesiredProject. Compose files also give the moor manifest they translate to (for
// `moor convert`), and the reading used, which commands print.
import path from 'node:path';
import { type LoadOptions, type LoadResult, MAX_MANIFEST_BYTES, type ProjectNameResult, loadManifest, loadManifestProjectName, readText } from '../manifest/load.js';
import { yamlTopLevelKeys } from '../manifest/parse-yaml.js';
import { type Detection, detectFormat } from './detect.js';
import { COMPOSE_TAGS, type ComposeInfo, loadCompose, loadComposeProjectName } from './load.js';
import type { Reading } from './reading.js';

export interface ProjectLoadOptions extends LoadOptions {
  /** --compose: read the files as Compose, whatever their shape. */
  readonly compose?: boolean;
  /** --as (Compose files only; default containers). */
  readonly reading?: Reading;
  /** --profile (Compose files only). */
  readonly profiles?: readonly string[];
}

export type ProjectLoadResult = LoadResult & {
  readonly detection: Detection;
  /** Set when the files were read as Compose. */
  readonly compose?: ComposeInfo;
};

export async function loadProject(options: ProjectLoadOptions): Promise<ProjectLoadResult> {
  const detection = await detectFiles(options.files, options.cwd, options.compose === true);
  if (detection.format === 'moor') return { ...(await loadManifest(options)), detection };
  const result = await loadCompose({ ...options, reading: options.reading ?? 'containers' });
  return { ...result, detection };
}

export type ProjectNameLoadResult = ProjectNameResult & {
  readonly detection: Detection;
  /** Set when the files were read as Compose. */
  readonly compose?: Omit<ComposeInfo, 'tree'>;
};

/**
 * Only the project name of the files, in either format (`moor destroy`: it plans against an empty
 * project). The files must be read and parsed and the name told; nothing else is read or checked.
 */
export async function loadProjectName(options: ProjectLoadOptions): Promise<ProjectNameLoadResult> {
  const detection = await detectFiles(options.files, options.cwd, options.compose === true);
  if (detection.format === 'moor') return { ...(await loadManifestProjectName(options)), detection };
  return { ...(await loadComposeProjectName({ ...options, reading: options.reading ?? 'containers' })), detection };
}

/** Which reading the files get (a file that cannot be read or parsed counts for nothing: its loader reports it). */
export async function detectFiles(files: readonly string[], cwd: string, forceCompose: boolean): Promise<Detection> {
  const judged: { name: string; topKeys: readonly string[] | null }[] = [];
  for (const file of files) {
    const absolute = path.resolve(cwd, file);
    const read = forceCompose ? null : await readText(absolute, MAX_MANIFEST_BYTES, 'manifest');
    judged.push({ name: file, topKeys: read?.ok === true ? yamlTopLevelKeys(read.text, { allowedTags: COMPOSE_TAGS }) : null });
  }
  return detectFormat(judged, forceCompose);
}
