// A Compose model (merged, `extends` resolved, profiles applied, interpolated) -> the tree of the
// equivalent moor manifest, which the shared tail of the manifest loader (manifest/load.ts
// resolveTree) then validates and normalises like any moor.yaml. Nodes are moved, not copied as
// text, so every value keeps its compose.yaml position; where a moor path differs from the Compose
// path of its source (`containers.web` for `services.web`, `services.api.replicas` for
// `services.api.deploy.replicas`), the pair is recorded so that messages can name the Compose path.
//
// What is not translated is said, per field, here: an error when its loss would change what runs,
// a warning when it is cosmetic (fields.ts lists them). Nothing is dropped silently, except `x-`
// extension fields (Compose itself gives them no meaning) and fields set to their do-nothing value.
import path from 'node:path';
import type { SourceLocation } from '../model/desired.js';
import { type Lookup, NOT_A_VARIABLE_NAME, isVariableName } from '../manifest/interpolate.js';
import { type Issues, type ValuePath, formatPath, quoteValue } from '../manifest/issues.js';
import { didYouMean } from '../manifest/suggest.js';
import type { MapEntry, Node, ScalarNode } from '../manifest/tree.js';
import { at, booleanOf, coerce, get, isMap, isNoop, isSeq, map, scalar, seq, text } from './nodes.js';
import type { Reading } from './reading.js';
import { translateService, type ServiceDraft } from './translate-service.js';

export interface TranslateInput {
  /** The Compose model: merged, `extends` resolved, profiles applied, `include` folded in. */
  readonly root: Node;
  readonly reading: Reading;
  readonly project: string;
  /** Where the project name comes from (the `name:` value, or the top of the first file). */
  readonly projectLoc: SourceLocation;
  /** Relative paths in the model start here (they were rebased to it when read). */
  readonly projectDir: string;
  readonly lookup: Lookup;
  /** Whether a host path exists (bind sources, secret files): Compose creates missing bind sources, moor does not. */
  readonly exists: (absolutePath: string) => boolean;
  /** Services whose missing image is already explained (their extends failed). */
  readonly imageExplained?: ReadonlySet<string>;
}

export interface Translation {
  /** The moor manifest tree. */
  readonly tree: Node;
  /** Formatted moor path -> formatted Compose path, where they differ (see paths.ts). */
  readonly paths: ReadonlyMap<string, string>;
  /** Compose paths of services whose missing image is already explained (build:, a failed extends). */
  readonly imageExplained: ReadonlySet<string>;
}

const TOP_LEVEL = ['version', 'name', 'include', 'services', 'networks', 'volumes', 'secrets', 'configs', 'models'];

/** The shared state of one translation: input, issues, and the moor -> Compose path record. */
export class Tx {
  readonly input: TranslateInput;
  readonly issues: Issues;
  readonly paths = new Map<string, string>();
  readonly imageExplained = new Set<string>();

  constructor(input: TranslateInput, issues: Issues) {
    this.input = input;
    this.issues = issues;
    for (const name of input.imageExplained ?? []) this.imageExplained.add(formatPath(['services', name]));
  }

  get reading(): Reading {
    return this.input.reading;
  }

  record(moor: ValuePath, compose: ValuePath): void {
    const [m, c] = [formatPath(moor), formatPath(compose)];
    if (m !== c) this.paths.set(m, c);
  }

  error(where: Node | SourceLocation, path: ValuePath, message: string): void {
    this.issues.error('kind' in where ? where.loc : where, path, message);
  }

  warning(where: Node | SourceLocation, path: ValuePath, message: string): void {
    this.issues.warning('kind' in where ? where.loc : where, path, message);
  }

  /** An unknown field: a typo (with a suggestion), or a field of another section. */
  unknown(keyLoc: SourceLocation, path: ValuePath, known: readonly string[], hint = ''): void {
    const field = String(path[path.length - 1]);
    this.error(keyLoc, path, `unknown field${hint === '' ? didYouMean(field, known) : hint}`);
  }

  /** A relative host path, absolute. */
  hostPath(written: string): string {
    if (written === '~' || written.startsWith('~/')) return path.join(this.input.lookup('HOME') ?? '~', written.slice(1));
    return path.resolve(this.input.projectDir, written);
  }
}

export function translateCompose(input: TranslateInput, issues: Issues): Translation {
  const tx = new Tx(input, issues);
  const root = input.root;
  const out = new Map<string, MapEntry>();
  out.set('project', at(scalar(input.project, input.projectLoc)));
  if (!isMap(root)) {
    tx.error(root, [], 'a Compose file is a mapping (services:, networks:, ...)');
    return { tree: map(out, root.loc), paths: tx.paths, imageExplained: tx.imageExplained };
  }
  for (const [key, entry] of root.entries) {
    if (TOP_LEVEL.includes(key) || key.startsWith('x-')) continue;
    if (key === 'project' || key === 'containers') {
      tx.error(entry.keyLoc, [key], `${key}: belongs to moor's own manifest format; this file is read as a Compose file (with --compose): drop --compose to read it as a moor manifest`);
    } else tx.unknown(entry.keyLoc, [key], TOP_LEVEL);
  }
  const models = root.entries.get('models');
  if (models !== undefined && !isNoop(models.value)) tx.error(models.keyLoc, ['models'], 'AI models are not supported');

  const networks = objects(tx, root, 'networks', (name, def) => translateNetwork(tx, name, def));
  const volumes = objects(tx, root, 'volumes', (name, def) => translateVolume(tx, name, def));
  if (networks !== null) out.set('networks', networks);
  if (volumes !== null) out.set('volumes', volumes);
  if (input.reading === 'services') {
    const secrets = objects(tx, root, 'secrets', (name, def) => translateFileObject(tx, 'secret', name, def));
    const configs = objects(tx, root, 'configs', (name, def) => translateFileObject(tx, 'config', name, def));
    if (secrets !== null) out.set('secrets', secrets);
    if (configs !== null) out.set('configs', configs);
  } else {
    // Plain containers have no secrets or configs: services mount their files (translate-service.ts).
    for (const kind of ['secrets', 'configs'] as const) objects(tx, root, kind, (name, def) => (checkFileObjectFields(tx, kind === 'secrets' ? 'secret' : 'config', name, def), null));
  }

  const services = root.entries.get('services');
  if (services !== undefined) {
    const workloads = translateServices(tx, services);
    if (workloads !== null) out.set(input.reading, workloads);
  }
  return { tree: map(out, root.loc), paths: tx.paths, imageExplained: tx.imageExplained };
}

/** A top-level collection, each definition translated; null when there is none (or it is not a mapping: the schema says so). */
function objects(tx: Tx, root: Extract<Node, { kind: 'map' }>, collection: string, translate: (name: string, def: Node) => Node | null): MapEntry | null {
  const entry = root.entries.get(collection);
  if (entry === undefined) return null;
  if (!isMap(entry.value)) return isNoop(entry.value) ? null : entry;
  const out = new Map<string, MapEntry>();
  for (const [name, def] of entry.value.entries) {
    const translated = translate(name, def.value);
    if (translated !== null) out.set(name, { keyLoc: def.keyLoc, value: translated });
  }
  return { keyLoc: entry.keyLoc, value: map(out, entry.value.loc) };
}

// ---------------------------------------------------------------------------------------------
// Networks and volumes

const NETWORK_FIELDS = ['driver', 'driver_opts', 'attachable', 'internal', 'enable_ipv4', 'enable_ipv6', 'ipam', 'labels', 'external', 'name'];
const VOLUME_FIELDS = ['driver', 'driver_opts', 'labels', 'external', 'name'];

function translateNetwork(tx: Tx, name: string, def: Node): Node {
  if (!isMap(def)) return def;
  const base: ValuePath = ['networks', name];
  const out = new Map<string, MapEntry>();
  for (const [field, entry] of def.entries) {
    const at_: ValuePath = [...base, field];
    const value = entry.value;
    if (field.startsWith('x-')) continue;
    switch (field) {
      case 'driver':
      case 'driver_opts':
      case 'labels':
        out.set(field, entry);
        break;
      case 'attachable':
      case 'internal':
      case 'enable_ipv6':
        out.set(field, { keyLoc: entry.keyLoc, value: coerce(value, 'boolean') });
        break;
      case 'enable_ipv4':
        if (booleanOf(value) === false) tx.error(entry.keyLoc, at_, 'moor does not create networks without IPv4 (Engine API 1.47)');
        break;
      case 'ipam':
        out.set(field, { keyLoc: entry.keyLoc, value: translateIpam(tx, value, at_) });
        break;
      case 'external':
      case 'name':
        break;
      default:
        tx.unknown(entry.keyLoc, at_, NETWORK_FIELDS);
    }
  }
  externalAndName(tx, 'network', name, def, out);
  return map(out, def.loc);
}

function translateIpam(tx: Tx, ipam: Node, base: ValuePath): Node {
  if (!isMap(ipam)) return ipam;
  const out = new Map<string, MapEntry>();
  for (const [field, entry] of ipam.entries) {
    if (field === 'options') {
      if (!isNoop(entry.value)) tx.error(entry.keyLoc, [...base, field], 'moor does not set IPAM driver options');
    } else if (field === 'config' && isSeq(entry.value)) {
      const pools = entry.value.items.map((pool, i) => {
        if (!isMap(pool)) return pool;
        const aux = pool.entries.get('aux_addresses');
        if (aux !== undefined && !isNoop(aux.value)) tx.error(aux.keyLoc, [...base, 'config', i, 'aux_addresses'], 'moor does not reserve auxiliary addresses');
        return map([...pool.entries].filter(([k]) => k !== 'aux_addresses' && !k.startsWith('x-')), pool.loc);
      });
      out.set(field, { keyLoc: entry.keyLoc, value: { ...entry.value, items: pools } });
    } else if (!field.startsWith('x-')) out.set(field, entry);
  }
  return map(out, ipam.loc);
}

function translateVolume(tx: Tx, name: string, def: Node): Node {
  if (!isMap(def)) return def;
  const out = new Map<string, MapEntry>();
  for (const [field, entry] of def.entries) {
    if (field.startsWith('x-') || field === 'external' || field === 'name') continue;
    if (VOLUME_FIELDS.includes(field)) out.set(field, entry);
    else tx.unknown(entry.keyLoc, ['volumes', name, field], VOLUME_FIELDS);
  }
  externalAndName(tx, 'volume', name, def, out);
  return map(out, def.loc);
}

/**
 * `external: true`, Compose's older `external: {name: x}`, and `name:`. A managed object's `name:`
 * cannot be honoured: moor names what it manages `<project>_<name>` (a volume's data would then be
 * elsewhere: an error; for networks, secrets and configs a warning).
 */
function externalAndName(tx: Tx, kind: 'network' | 'volume' | 'secret' | 'config', name: string, def: Extract<Node, { kind: 'map' }>, out: Map<string, MapEntry>): void {
  const base: ValuePath = [`${kind}s`, name];
  const external = def.entries.get('external');
  const nameEntry = def.entries.get('name');
  const legacyName = isMap(external?.value) ? get(external.value, 'name') : undefined;
  const isExternal = external !== undefined && (isMap(external.value) || booleanOf(external.value) === true);
  if (external !== undefined && !isExternal && booleanOf(external.value) !== false) out.set('external', external);
  if (isExternal && external !== undefined) {
    out.set('external', { keyLoc: external.keyLoc, value: scalar(true, external.value.loc) });
    const engineName = nameEntry ?? (legacyName === undefined ? undefined : { keyLoc: legacyName.loc, value: legacyName });
    if (engineName !== undefined) out.set('name', engineName);
    return;
  }
  if (nameEntry === undefined) return;
  const written = text(nameEntry.value) ?? '';
  const owned = kind === 'secret' || kind === 'config' ? `${tx.input.project}_${name}_<version>` : `${tx.input.project}_${name}`;
  if (kind === 'volume') {
    tx.error(nameEntry.keyLoc, [...base, 'name'], `moor names the volumes it manages ${owned}, so the data in ${quoteValue(written)} would not be used: to keep using that volume, declare it external: true (with this name:); to let moor create one, remove name:`);
  } else if (written !== owned) {
    tx.warning(nameEntry.keyLoc, [...base, 'name'], `ignored: moor names the ${kind}s it manages ${owned} (name: applies to external ${kind}s)`);
  }
}

// ---------------------------------------------------------------------------------------------
// Secrets and configs (Swarm objects: --as services)

const SECRET_FIELDS = ['file', 'environment', 'external', 'name', 'labels', 'driver', 'driver_opts', 'template_driver'];
const CONFIG_FIELDS = ['file', 'content', 'environment', 'external', 'name', 'labels', 'template_driver'];

function checkFileObjectFields(tx: Tx, kind: 'secret' | 'config', name: string, def: Node): void {
  if (!isMap(def)) return;
  const known = kind === 'secret' ? SECRET_FIELDS : CONFIG_FIELDS;
  for (const [field, entry] of def.entries) {
    if (!field.startsWith('x-') && !known.includes(field)) tx.unknown(entry.keyLoc, [`${kind}s`, name, field], known);
  }
}

function translateFileObject(tx: Tx, kind: 'secret' | 'config', name: string, def: Node): Node {
  if (!isMap(def)) return def;
  checkFileObjectFields(tx, kind, name, def);
  const base: ValuePath = [`${kind}s`, name];
  const out = new Map<string, MapEntry>();
  for (const [field, entry] of def.entries) {
    switch (field) {
      case 'file':
      case 'labels':
      case 'content':
        out.set(field, entry);
        break;
      case 'environment':
        // An unset variable is reported; the entry itself then stands in as the content, so that
        // the config is not also said to have none (the file is refused either way).
        if (kind === 'secret') out.set(field, entry);
        else out.set('content', configFromEnvironment(tx, entry, [...base, field]) ?? entry);
        break;
      case 'driver':
      case 'driver_opts':
      case 'template_driver':
        if (!isNoop(entry.value)) tx.error(entry.keyLoc, [...base, field], `moor does not support ${kind} drivers or templates: ${kind} contents are used as they are`);
        break;
      default:
    }
  }
  externalAndName(tx, kind, name, def, out);
  return map(out, def.loc);
}

/** A config from an environment variable: its value, as inline content (spelled `${VAR}` for moor convert). */
function configFromEnvironment(tx: Tx, entry: MapEntry, at_: ValuePath): MapEntry | null {
  const variable = text(entry.value);
  if (variable === undefined) return null;
  if (!isVariableName(variable)) {
    tx.error(entry.value, at_, NOT_A_VARIABLE_NAME);
    return null;
  }
  const value = tx.input.lookup(variable);
  if (value === undefined) {
    tx.error(entry.value, at_, `the environment variable ${variable} is not set`);
    return null;
  }
  const node: ScalarNode = { ...scalar(value, entry.value.loc), source: `\${${variable}}` };
  tx.record([...at_.slice(0, -1), 'content'], at_);
  return { keyLoc: entry.keyLoc, value: node };
}

// ---------------------------------------------------------------------------------------------
// Services

function translateServices(tx: Tx, services: MapEntry): MapEntry | null {
  if (!isMap(services.value)) return isNoop(services.value) ? null : services;
  const drafts: ServiceDraft[] = [];
  for (const [name, entry] of services.value.entries) {
    const draft = translateService(tx, name, entry);
    if (draft !== null) drafts.push(draft);
  }
  const out = tx.reading === 'containers' ? containersOf(tx, drafts) : servicesOf(tx, drafts);
  return { keyLoc: services.keyLoc, value: map(out, services.value.loc) };
}

/** --as services: one Swarm service per Compose service. */
function servicesOf(tx: Tx, drafts: readonly ServiceDraft[]): [string, MapEntry][] {
  const defined = new Set(drafts.map((d) => d.name));
  return drafts.map((d) => {
    const fields = d.fields.map((f) => (f.key === 'depends_on' ? { ...f, value: dependsOnNode(tx, d, (dep) => (defined.has(dep) ? [dep] : null)) } : f));
    return [d.name, { keyLoc: d.keyLoc, value: emit(tx, ['services', d.name], d, fields) }];
  });
}

/**
 * --as containers: a service that gives `deploy.replicas` (or `scale`) N, 1 included, becomes
 * containers <name>_1 .. <name>_N, each reachable on its networks by the service name too (as
 * Compose does); dependants wait for every one. Without either, one container <name>. Numbering even
 * a single replica means scaling never renames (so never replaces) the containers that stay.
 */
function containersOf(tx: Tx, drafts: readonly ServiceDraft[]): [string, MapEntry][] {
  const names = new Map<string, string[]>();
  for (const d of drafts) {
    if (d.replicas === undefined) {
      names.set(d.name, [d.name]);
      continue;
    }
    if (d.replicas.count === 0) tx.warning(d.replicas.node, d.replicas.path, 'is 0: no container is created for this service');
    names.set(d.name, Array.from({ length: d.replicas.count }, (_, i) => `${d.name}_${i + 1}`));
  }
  const out: [string, MapEntry][] = [];
  for (const d of drafts) {
    const copies = names.get(d.name) ?? [];
    const named = d.containerName === undefined ? [] : [{ alias: d.containerName.name, loc: d.containerName.loc }];
    if (d.containerName !== undefined) containerNameIssue(tx, d, d.containerName, copies);
    const aliases = d.replicas === undefined ? named : [{ alias: d.name, loc: d.replicas.node.loc }, ...(copies.length > 1 ? [] : named)];
    if (copies.length > 1) dropFixedPorts(tx, d);
    for (const container of copies) {
      const fields = d.fields
        .filter((f) => copies.length <= 1 || !f.fixedPort)
        .map((f) => (f.key === 'depends_on' ? { ...f, value: dependsOnNode(tx, d, (dep) => names.get(dep) ?? null) } : f));
      const withAliases = aliases.length === 0 ? fields : addAliases(fields, aliases, d);
      tx.record(['containers', container], ['services', d.name]);
      out.push([container, { keyLoc: d.keyLoc, value: emit(tx, ['containers', container], d, withAliases) }]);
    }
  }
  return out;
}

/** container_name: one message, naming the container moor makes (none for 0 replicas: that is said at the count). */
function containerNameIssue(tx: Tx, d: ServiceDraft, given: NonNullable<ServiceDraft['containerName']>, copies: readonly string[]): void {
  const at_ = ['services', d.name, 'container_name'];
  const [only] = copies;
  if (copies.length > 1) {
    const source = d.replicas === undefined ? 'the service' : formatPath(d.replicas.path);
    return tx.error(given.loc, at_, `${source} gives ${copies.length} containers, and one container name cannot be given to several: remove container_name (moor names them ${tx.input.project}_${d.name}_1 .. ${tx.input.project}_${d.name}_${copies.length}, all reachable as ${quoteValue(d.name)})`);
  }
  if (only === undefined) return;
  tx.warning(given.keyLoc, at_, `moor names the container ${tx.input.project}_${only} (it owns what carries its name); ${quoteValue(given.name)} is kept as a network alias, so other containers still reach it by that name`);
}

/** Several containers cannot bind one host port: the fixed ones are refused once (not once per copy). */
function dropFixedPorts(tx: Tx, d: ServiceDraft): void {
  for (const f of d.fields.filter((x) => x.fixedPort)) {
    tx.error(f.value, f.from, `publishes a fixed host port, but deploy.replicas gives ${d.replicas?.count ?? 1} containers, which cannot all bind it: leave the host port out (the Engine picks one per container), or run one replica`);
  }
}

/** The order of fields in a translated workload (moor's schema order), for a readable moor convert. */
const FIELD_ORDER = [
  'image', 'command', 'entrypoint', 'environment', 'env_file', 'ports', 'volumes', 'networks', 'secrets', 'configs', 'mode', 'replicas',
  'update_config', 'rollback_config', 'restart', 'restart_policy', 'placement', 'resources', 'depends_on', 'healthcheck', 'labels', 'container_labels', 'logging',
];

/** The moor map of one workload; each field's moor path is recorded against its Compose path. */
function emit(tx: Tx, base: ValuePath, d: ServiceDraft, unordered: ServiceDraft['fields']): Node {
  const rank = (key: string): number => (FIELD_ORDER.includes(key) ? FIELD_ORDER.indexOf(key) : FIELD_ORDER.length);
  const fields = [...unordered].sort((a, b) => rank(a.key) - rank(b.key));
  const entries = new Map<string, MapEntry>();
  for (const f of fields) {
    if (f.item === true) {
      const list = entries.get(f.key);
      const items = isSeq(list?.value) ? list.value.items : [];
      entries.set(f.key, { keyLoc: list?.keyLoc ?? f.keyLoc, value: seq([...items, f.value], list?.value.loc ?? f.value.loc) });
      tx.record([...base, f.key, items.length], f.from);
      continue;
    }
    if (f.key === 'depends_on' && isMap(f.value) && f.value.entries.size === 0) continue;
    entries.set(f.key, { keyLoc: f.keyLoc, value: f.value });
    tx.record([...base, f.key], f.from);
  }
  return map(entries, d.loc);
}

/** depends_on as moor writes it, each name expanded to the workloads it became; null names are reported. */
function dependsOnNode(tx: Tx, d: ServiceDraft, expand: (dep: string) => string[] | null): Node {
  const entries = new Map<string, MapEntry>();
  for (const dep of d.dependsOn) {
    const targets = expand(dep.name);
    if (targets === null || targets.length === 0) {
      const why = targets === null ? 'is not defined (or not enabled by the selected profiles)' : 'has no container (deploy.replicas: 0)';
      if (dep.required) tx.error(dep.keyLoc, dep.path, `${quoteValue(dep.name)} ${why}`);
      else tx.warning(dep.keyLoc, dep.path, `${quoteValue(dep.name)} ${why}: this optional dependency (required: false) is skipped`);
      continue;
    }
    for (const target of targets) {
      if (entries.has(target)) continue;
      entries.set(target, { keyLoc: dep.keyLoc, value: map([['condition', at(scalar(dep.condition, dep.conditionLoc))]], dep.keyLoc) });
    }
  }
  return map(entries, d.dependsOnLoc ?? d.loc);
}

/** Extra network aliases (the service name of replicas, a container_name) on every network of the container. */
function addAliases(fields: ServiceDraft['fields'], aliases: readonly { alias: string; loc: SourceLocation }[], d: ServiceDraft): ServiceDraft['fields'] {
  const extra = (): Node[] => aliases.map((a) => scalar(a.alias, a.loc));
  const withAliases = (options: Node, loc: SourceLocation): Node => {
    if (!isMap(options)) return map([['aliases', at(seq(extra(), loc))]], loc);
    const current = options.entries.get('aliases');
    const items = [...(isSeq(current?.value) ? current.value.items : []), ...extra()];
    return map([...options.entries, ['aliases', { keyLoc: current?.keyLoc ?? loc, value: seq(items, current?.value.loc ?? loc) }]], options.loc);
  };
  const networks = fields.find((f) => f.key === 'networks');
  if (networks === undefined) {
    const loc = d.keyLoc;
    return [...fields, { key: 'networks', keyLoc: loc, value: map([['default', at(withAliases(scalar(null, loc), loc))]], loc), from: ['services', d.name] }];
  }
  const value = networks.value;
  const entries: [string, MapEntry][] = isSeq(value)
    ? value.items.map((item) => [text(item) ?? '', { keyLoc: item.loc, value: withAliases(scalar(null, item.loc), item.loc) }])
    : isMap(value)
      ? [...value.entries].map(([name, e]) => [name, { keyLoc: e.keyLoc, value: withAliases(e.value, e.keyLoc) }])
      : [];
  return fields.map((f) => (f === networks ? { ...f, value: map(entries, value.loc) } : f));
}
