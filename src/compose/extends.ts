// `extends:` — a service built on another one, in the same file (`extends: base` or
// `{service: base}`) or another (`{service: base, file: common.yaml}`), as in Compose: the base
// service (itself resolved first) is merged under the extending one with the merge rules of
// merge.ts. Chains are followed; a cycle, a missing service or an unreadable file is an error at
// the `extends:` that names it.
import type { Issues, ValuePath } from '../manifest/issues.js';
import type { MapEntry, Node } from '../manifest/tree.js';
import { mergeCompose } from './merge.js';
import { entryOf, get, isMap, map, text } from './nodes.js';

/** Reads another Compose file for `extends: {file}` (written relative to the project folder); null after reporting why not. */
export type ExtendsFileLoader = (file: string, at: ValuePath, atNode: Node) => Promise<{ readonly id: string; readonly root: Node } | null>;

export async function resolveExtends(root: Node, mainId: string, load: ExtendsFileLoader, issues: Issues): Promise<Node> {
  const services = get(root, 'services');
  if (!isMap(services)) return root;
  const resolver = new Resolver(load, issues);
  const entries = new Map<string, MapEntry>();
  for (const [name, entry] of services.entries) {
    entries.set(name, { keyLoc: entry.keyLoc, value: await resolver.resolve({ id: mainId, root }, name, entry.value, [mainId]) });
  }
  const top = new Map((root as Extract<Node, { kind: 'map' }>).entries);
  const servicesEntry = entryOf(root, 'services') as MapEntry;
  top.set('services', { keyLoc: servicesEntry.keyLoc, value: map(entries, services.loc) });
  return map(top, root.loc);
}

interface FileRoot {
  readonly id: string;
  readonly root: Node;
}

class Resolver {
  readonly #load: ExtendsFileLoader;
  readonly #issues: Issues;
  readonly #done = new Map<string, Node>();

  constructor(load: ExtendsFileLoader, issues: Issues) {
    this.#load = load;
    this.#issues = issues;
  }

  /** The service `name` of `file` with its extends chain merged in (and `extends:` removed). */
  async resolve(file: FileRoot, name: string, service: Node, chain: readonly string[]): Promise<Node> {
    const key = `${file.id}#${name}`;
    const done = this.#done.get(key);
    if (done !== undefined) return done;
    const resolved = await this.#resolveOnce(file, name, service, [...chain, key]);
    this.#done.set(key, resolved);
    return resolved;
  }

  async #resolveOnce(file: FileRoot, name: string, service: Node, chain: readonly string[]): Promise<Node> {
    const ext = get(service, 'extends');
    if (!isMap(service) || ext === undefined) return service;
    const path: ValuePath = ['services', name, 'extends'];
    const own = map([...service.entries].filter(([k]) => k !== 'extends'), service.loc);
    const baseName = isMap(ext) ? text(get(ext, 'service')) : text(ext);
    if (baseName === undefined) {
      this.#issues.error(ext.loc, path, 'extends takes a service name, or {service: NAME, file: FILE}');
      return own;
    }
    const fileName = isMap(ext) ? text(get(ext, 'file')) : undefined;
    let from: FileRoot = file;
    if (fileName !== undefined) {
      const loaded = await this.#load(fileName, [...path, 'file'], get(ext, 'file') as Node);
      if (loaded === null) return own;
      from = loaded;
    }
    const base = get(get(from.root, 'services'), baseName);
    const where = fileName === undefined ? '' : ` in ${fileName}`;
    if (base === undefined) {
      this.#issues.error((isMap(ext) ? (get(ext, 'service') as Node) : ext).loc, path, `extends the service ${JSON.stringify(baseName)}, which is not defined${where}`);
      return own;
    }
    const baseKey = `${from.id}#${baseName}`;
    if (chain.includes(baseKey)) {
      this.#issues.error(ext.loc, path, `extends forms a cycle: ${[...chain, baseKey].map((k) => k.split('#')[1]).join(' -> ')}`);
      return own;
    }
    const resolvedBase = await this.resolve(from, baseName, base, chain);
    return mergeCompose(resolvedBase, own, this.#issues, ['services', name]);
  }
}
