// Relative paths of a Compose file read from another folder (an `include`d file, the file an
// `extends` names) are relative to that file's folder; everything after the loader reads them
// relative to the project folder. This rewrites them once, at load time, so that the rest of the
// pipeline (and `moor convert`'s output) sees project-relative paths only; messages quote them as
// the file wrote them (`written`).
import path from 'node:path';
import type { MapEntry, Node } from '../manifest/tree.js';
import { isMap, isSeq, scalar, text } from './nodes.js';

/** The top-level sections whose definitions hold paths. */
const PATHS_IN: ReadonlySet<string> = new Set(['services', 'secrets', 'configs']);

/** `node` (a whole Compose file) with its relative paths rewritten from `fromDir` to `projectDir`. */
export function rebaseFile(root: Node, fromDir: string, projectDir: string): Node {
  if (fromDir === projectDir || !isMap(root)) return root;
  const to = (written: string): string => rebasePath(written, fromDir, projectDir);
  return mapEntries(root, (key, value) => {
    if (key === 'include') return mapItems(value, (item) => (isMap(item) ? mapEntries(item, (field, v) => (['path', 'env_file', 'project_directory'].includes(field) ? rewriteAll(v, to) : v)) : rewrite(item, to)));
    return PATHS_IN.has(key) ? mapEntries(value, (_name, def) => rebaseDefinition(key, def, to)) : value;
  });
}

/**
 * A moor manifest (what `moor convert` makes, its paths relative to the project folder `fromDir`)
 * with its relative paths rewritten for a file in `toDir`: written there, it names the same files.
 */
export function rebaseManifest(root: Node, fromDir: string, toDir: string, onRebased: (rebased: string) => void = () => undefined): Node {
  if (fromDir === toDir || !isMap(root)) return root;
  const to = (written: string): string => {
    const rebased = rebasePath(written, fromDir, toDir);
    onRebased(rebased);
    return rebased;
  };
  return mapEntries(root, (key, value) => {
    if (key === 'containers' || key === 'services') return mapEntries(value, (_name, def) => rebaseService(def, to));
    return key === 'secrets' || key === 'configs' ? mapEntries(value, (_name, def) => rebaseDefinition(key, def, to)) : value;
  });
}

/**
 * A top-level definition (`services.web`, `secrets.pw`) whose relative paths are already relative
 * to the project folder, with its paths made absolute (`~` kept): two definitions naming the same
 * files compare equal however each spells them (load.ts: a resource an including file defines
 * again). For comparing only: the paths lose how they were written.
 */
export function absoluteDefinitionPaths(collection: string, def: Node, projectDir: string): Node {
  return rebaseDefinition(collection, def, (written) => (written.startsWith('~') ? written : path.resolve(projectDir, written)));
}

/** The relative paths of one definition of the top-level `collection` rewritten with `to` (a network or a volume has none). */
function rebaseDefinition(collection: string, def: Node, to: (p: string) => string): Node {
  if (collection === 'services') return rebaseService(def, to);
  if (collection === 'secrets' || collection === 'configs') return mapEntries(def, (field, v) => (field === 'file' ? rewrite(v, to) : v));
  return def;
}

/** A relative path written in `fromDir`, as a path relative to `projectDir` ("./x" or "../x"). */
export function rebasePath(written: string, fromDir: string, projectDir: string): string {
  if (path.isAbsolute(written) || written.startsWith('~')) return written;
  const relative = path.relative(projectDir, path.resolve(fromDir, written));
  if (relative === '') return '.';
  return relative.startsWith('..') ? relative : `./${relative}`;
}

function rebaseService(service: Node, to: (p: string) => string): Node {
  return mapEntries(service, (field, value) => {
    if (field === 'env_file') return mapItems(rewriteAll(value, to), (item) => (isMap(item) ? mapEntries(item, (k, v) => (k === 'path' ? rewrite(v, to) : v)) : item));
    if (field === 'extends') return isMap(value) ? mapEntries(value, (k, v) => (k === 'file' ? rewrite(v, to) : v)) : value;
    if (field === 'volumes') return mapItems(value, (item) => rebaseMount(item, to));
    return value;
  });
}

function rebaseMount(item: Node, to: (p: string) => string): Node {
  if (isMap(item)) {
    const type = text(item.entries.get('type')?.value);
    return type === 'bind' ? mapEntries(item, (k, v) => (k === 'source' ? rewrite(v, to) : v)) : item;
  }
  const spec = text(item);
  if (spec === undefined || !spec.startsWith('.')) return item;
  const colon = spec.indexOf(':');
  if (colon === -1) return item;
  return rebased(item, `${to(spec.slice(0, colon))}${spec.slice(colon)}`);
}

function rewrite(node: Node, to: (p: string) => string): Node {
  const written = text(node);
  return written === undefined || node.kind !== 'scalar' || typeof node.value !== 'string' ? node : rebased(node, to(written));
}

/**
 * `node` with its value rebased: it keeps the text written in its file (`written`) for messages,
 * which would otherwise quote "./sub/PASSWORD=..." in full, or a variable's value, where the file
 * says PASSWORD=... or ${VAR}. It loses its `source`: a converted manifest has the rebased path.
 */
function rebased(node: Node, value: string): Node {
  if (node.kind !== 'scalar' || value === node.text) return node;
  return { ...scalar(value, node.loc), written: node.written ?? node.source ?? node.text };
}

function rewriteAll(node: Node, to: (p: string) => string): Node {
  return isSeq(node) ? mapItems(node, (i) => rewrite(i, to)) : rewrite(node, to);
}

function mapEntries(node: Node, fn: (key: string, value: Node) => Node): Node {
  if (!isMap(node)) return node;
  const entries = new Map<string, MapEntry>();
  for (const [key, entry] of node.entries) entries.set(key, { keyLoc: entry.keyLoc, value: fn(key, entry.value) });
  return { ...node, entries };
}

function mapItems(node: Node, fn: (item: Node) => Node): Node {
  return isSeq(node) ? { ...node, items: node.items.map(fn) } : node;
}
