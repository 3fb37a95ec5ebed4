// Which reading a set of manifest files gets: moor's own format or Compose. The rules, in order,
// never read a moor manifest as Compose:
//   1. `--compose` asks for Compose;
//   2. a file with `project:` or `containers:` at the top is a moor manifest (Compose has neither);
//   3. a file named moor.yaml or moor.yml is a moor manifest (even with a missing `project:`);
//   4. a file with Compose's top-level `services:`, `name:`, `version:` or `include:` is Compose;
//   5. anything else is read as a moor manifest (which then says what is missing).
// The files are judged together (an override file may hold only `networks:`), by their top-level
// keys only; a file that cannot be parsed counts for nothing here: the loader reports it.
import path from 'node:path';

export type ManifestFormat = 'moor' | 'compose';

export interface Detection {
  readonly format: ManifestFormat;
  /** Why, for messages: e.g. 'compose.yaml has services: without project:'. */
  readonly reason: string;
}

const MOOR_KEYS = ['project', 'containers'];
const COMPOSE_KEYS = ['services', 'name', 'version', 'include'];

export function detectFormat(files: readonly { readonly name: string; readonly topKeys: readonly string[] | null }[], forceCompose: boolean): Detection {
  if (forceCompose) return { format: 'compose', reason: '--compose' };
  for (const f of files) {
    const key = (f.topKeys ?? []).find((k) => MOOR_KEYS.includes(k));
    if (key !== undefined) return { format: 'moor', reason: `${f.name} has ${key}:` };
  }
  const moorNamed = files.find((f) => /^moor\.ya?ml$/.test(path.basename(f.name)));
  if (moorNamed !== undefined) return { format: 'moor', reason: `${moorNamed.name} is a moor manifest by its name` };
  for (const f of files) {
    const key = (f.topKeys ?? []).find((k) => COMPOSE_KEYS.includes(k));
    if (key !== undefined) return { format: 'compose', reason: `${f.name} has ${key}: and no project:` };
  }
  return { format: 'moor', reason: 'no Compose top-level key' };
}
