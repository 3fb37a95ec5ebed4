// `extends:` — a service built on another one, in the same file (`extends: base` or
// `{service: base}`; also a service the file's `include:` brings, as Compose applies a file's
// `include:` before its `extends:`) or another (`{service: base, file: common.yaml}`, read as it
// is, without its `include:`), as in Compose: the base service (itself resolved first) is merged
// under the extending one with the merge rules of merge.ts. Chains are followed; a cycle, a
// missing service or an unreadable file is an error at the `extends:` that names it.
import { quoteValue, type Issues, type ValuePath } from '../manifest/issues.js';
import type { MapEntry, Node } from '../manifest/tree.js';
import { mergeCompose } from './merge.js';
import { entryOf, get, isMap, map, text } from './nodes.js';

/** Reads another Compose file for `extends: {file}` (written relative to the project folder); null after reporting why not. */
export type ExtendsFileLoader = (file: string, at: ValuePath, atNode: Node) => Promise<{ readonly id: string; readonly root: Node } | null>;

/**
 * The services a file's `include:` brings (their own `extends:` already resolved, their relative
 * paths already rebased), where a base the file does not define itself is looked for.
 */
export interface IncludedServices {
  readonly services: ReadonlyMap<string, Node>;
  /** Those whose own extends chain had an error (reported where it is). */
  readonly failed: ReadonlySet<string>;
}

/**
 * The model with every extends chain merged in, and the services whose chain failed (reported).
 * `included`: what the file's `include:` brings (none: the file has no `include:`).
 */
export async function resolveExtends(root: Node, mainId: string, load: ExtendsFileLoader, issues: Issues, included?: IncludedServices): Promise<{ root: Node; failed: ReadonlySet<string> }> {
  const services = get(root, 'services');
  if (!isMap(services)) return { root, failed: new Set() };
  const resolver = new Resolver(load, issues, included);
  const entries = new Map<string, MapEntry>();
  const failed = new Set<string>();
  for (const [name, entry] of services.entries) {
    entries.set(name, { keyLoc: entry.keyLoc, value: await resolver.resolve({ id: mainId, root }, name, entry.value, []) });
    if (resolver.failed(`${mainId}#${name}`)) failed.add(name);
  }
  const top = new Map((root as Extract<Node, { kind: 'map' }>).entries);
  const servicesEntry = entryOf(root, 'services') as MapEntry;
  top.set('services', { keyLoc: servicesEntry.keyLoc, value: map(entries, services.loc) });
  return { root: map(top, root.loc), failed };
}

interface FileRoot {
  readonly id: string;
  readonly root: Node;
}

class Resolver {
  readonly #load: ExtendsFileLoader;
  readonly #issues: Issues;
  readonly #done = new Map<string, Node>();
  readonly #failed = new Set<string>();
  readonly #included: IncludedServices | undefined;

  constructor(load: ExtendsFileLoader, issues: Issues, included: IncludedServices | undefined) {
    this.#load = load;
    this.#issues = issues;
    this.#included = included;
  }

  /** Whether the chain of a service (`file#name`) had an error. */
  failed(key: string): boolean {
    return this.#failed.has(key);
  }

  #fail(key: string, at: Node['loc'], path: ValuePath, message: string): void {
    this.#failed.add(key);
    this.#issues.error(at, path, message);
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
    const key = chain[chain.length - 1] as string;
    const path: ValuePath = ['services', name, 'extends'];
    const own = map([...service.entries].filter(([k]) => k !== 'extends'), service.loc);
    const baseName = isMap(ext) ? text(get(ext, 'service')) : text(ext);
    if (baseName === undefined) {
      this.#fail(key, ext.loc, path, 'extends takes a service name, or {service: NAME, file: FILE}');
      return own;
    }
    for (const [field, e] of isMap(ext) ? ext.entries : []) {
      if (field !== 'service' && field !== 'file') this.#fail(key, e.keyLoc, [...path, field], 'unknown field (extends takes service: and file:)');
    }
    const fileName = isMap(ext) ? text(get(ext, 'file')) : undefined;
    let from: FileRoot = file;
    if (fileName !== undefined) {
      const loaded = await this.#load(fileName, [...path, 'file'], get(ext, 'file') as Node);
      if (loaded === null) {
        this.#failed.add(key);
        return own;
      }
      from = loaded;
    }
    const base = get(get(from.root, 'services'), baseName);
    // Without file:, the base is a service of the same file (each file's extends: is resolved before
    // the files merge), else one its include: brings: already resolved, it ends the chain. The file
    // a file: names is read as it is: what it includes is not looked in, as in Compose.
    const brought = fileName === undefined && base === undefined ? this.#included?.services.get(baseName) : undefined;
    if (brought !== undefined) {
      if (this.#included?.failed.has(baseName) === true) this.#failed.add(key);
      return mergeCompose(brought, own, this.#issues, ['services', name]);
    }
    const where = fileName !== undefined ? ` in ${fileName}` : this.#included === undefined ? ' in this file' : ' in this file or in the files it includes';
    if (base === undefined) {
      this.#fail(key, (isMap(ext) ? (get(ext, 'service') as Node) : ext).loc, path, `extends the service ${quoteValue(baseName)}, which is not defined${where}`);
      return own;
    }
    const baseKey = `${from.id}#${baseName}`;
    if (chain.includes(baseKey)) {
      this.#fail(key, ext.loc, path, `extends forms a cycle: ${[...chain, baseKey].map((k) => k.slice(k.lastIndexOf('#') + 1)).join(' -> ')}`);
      return own;
    }
    const resolvedBase = await this.resolve(from, baseName, base, chain);
    if (this.#failed.has(baseKey)) this.#failed.add(key);
    return mergeCompose(resolvedBase, own, this.#issues, ['services', name]);
  }
}
