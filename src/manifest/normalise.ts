// The manifest (validated against the schema) -> the canonical desired model (model/desired.ts).
// Pure: the files the manifest names are read beforehand (collectFileReferences + files.ts), so
// this runs without I/O, and a Compose reader can feed it the same Manifest later.
//
// Objects that failed the schema are skipped, but their names still count as declared, so one
// run reports schema errors and cross-object errors together without cascading messages.
import type {
  DesiredConfig,
  DesiredContainer,
  DesiredNetwork,
  DesiredProject,
  DesiredSecret,
  DesiredService,
  DesiredVolume,
  SourceLocation,
} from '../model/desired.js';
import { type ObjectKind, objectId } from '../model/kinds.js';
import { checkDependencies, checkNames, checkNetworkDrivers, checkPublishedPorts, checkReferences, checkSharedNames, type Declared } from './checks.js';
import type { Issues } from './issues.js';
import type { Container, Service } from './manifest-types.js';
import { Context, type NormaliseInput, sortedEntries } from './normalise-context.js';
import { MAX_CONFIG_BYTES, MAX_SECRET_BYTES, draftNetworks, finishNetwork, normaliseConfigs, normaliseSecrets, normaliseVolumes } from './normalise-resources.js';
import { type WorkloadRefs, normaliseContainer, normaliseService } from './normalise-workloads.js';
import { COLLECTIONS } from './schema.js';

export type { NormaliseInput } from './normalise-context.js';

export const MAX_ENV_FILE_BYTES = 1024 * 1024;

/** Normalises; problems go to `issues`. The project is complete only when no error was added. */
export function normaliseManifest(input: NormaliseInput, issues: Issues): DesiredProject {
  const ctx = new Context(input, issues);
  const m = input.manifest as unknown as Readonly<Record<string, unknown>>;
  const names = (value: unknown): ReadonlySet<string> => new Set(value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value) : []);
  const declared = Object.fromEntries(COLLECTIONS.map((c) => [c, names(m[c])])) as unknown as Declared;
  checkNames(ctx, declared);

  const drafts = draftNetworks(ctx);
  const volumes = normaliseVolumes(ctx);
  const secrets = normaliseSecrets(ctx);
  const configs = normaliseConfigs(ctx);
  const containers = new Map<string, DesiredContainer>();
  const services = new Map<string, DesiredService>();
  const refs: WorkloadRefs[] = [];
  if (!input.invalid.has('containers')) {
    for (const [name, def] of sortedEntries<Container>(input.manifest.containers)) {
      if (ctx.isInvalid('containers', 'container', name)) continue;
      const r = normaliseContainer(ctx, name, def);
      containers.set(name, r.desired);
      refs.push(r.refs);
    }
  }
  if (!input.invalid.has('services')) {
    for (const [name, def] of sortedEntries<Service>(input.manifest.services)) {
      if (ctx.isInvalid('services', 'service', name)) continue;
      const r = normaliseService(ctx, name, def);
      services.set(name, r.desired);
      refs.push(r.refs);
    }
  }

  // Workloads without networks: join `default`, which is added when the manifest does not declare it.
  const implicitUser = refs.find((w) => w.networks.some((n) => n.name === 'default'));
  if (implicitUser !== undefined && !declared.networks.has('default')) {
    drafts.set('default', { name: 'default', external: null, driver: null, attachable: null, spec: { internal: false, enableIpv6: false, driverOpts: {}, ipam: null, labels: {} } });
  }
  checkReferences(ctx, declared, refs);
  checkNetworkDrivers(ctx, drafts, refs);
  checkSharedNames(ctx, refs);
  checkDependencies(ctx, declared, refs);
  checkPublishedPorts(ctx, refs);

  const networks = new Map<string, DesiredNetwork>();
  for (const [name, draft] of [...drafts].sort(([a], [b]) => (a < b ? -1 : 1))) networks.set(name, finishNetwork(ctx, draft, usageOf(name, refs)));

  const locations: Record<string, SourceLocation> = {};
  const locate = (collection: string, map: ReadonlyMap<string, { readonly kind: ObjectKind }>): void => {
    for (const [name, object] of map) locations[objectId(object.kind, name)] = input.locator.key([collection, name]);
  };
  locate('networks', networks);
  locate('volumes', volumes);
  locate('secrets', secrets);
  locate('configs', configs);
  locate('containers', containers);
  locate('services', services);
  if (networks.has('default') && !declared.networks.has('default') && implicitUser !== undefined) {
    locations['network/default'] = input.locator.key([implicitUser.kind === 'container' ? 'containers' : 'services', implicitUser.name]);
  }

  return {
    project: ctx.project,
    networks: record<DesiredNetwork>(networks),
    volumes: record<DesiredVolume>(volumes),
    secrets: record<DesiredSecret>(secrets),
    configs: record<DesiredConfig>(configs),
    containers: record<DesiredContainer>(containers),
    services: record<DesiredService>(services),
    locations: Object.fromEntries(Object.entries(locations).sort(([a], [b]) => (a < b ? -1 : 1))),
  };
}

function usageOf(network: string, refs: readonly WorkloadRefs[]): { containers: Set<string>; services: Set<string> } {
  const users = refs.filter((w) => w.networks.some((n) => n.name === network));
  return { containers: new Set(users.filter((w) => w.kind === 'container').map((w) => w.name)), services: new Set(users.filter((w) => w.kind === 'service').map((w) => w.name)) };
}

function record<T>(map: ReadonlyMap<string, T>): Record<string, T> {
  return Object.fromEntries([...map].sort(([a], [b]) => (a < b ? -1 : 1)));
}

export interface FileReference {
  /** The path as written in the manifest (the key of NormaliseInput.files). */
  readonly written: string;
  readonly maxBytes: number;
}

/**
 * The files a manifest names (secret/config `file:`, `env_file:`), to read before normalising.
 * Works on the raw manifest: parts that failed the schema are simply passed over.
 */
export function collectFileReferences(manifest: unknown): FileReference[] {
  const out = new Map<string, number>();
  const add = (written: unknown, maxBytes: number): void => {
    if (typeof written === 'string') out.set(written, Math.max(out.get(written) ?? 0, maxBytes));
  };
  const objects = (value: unknown): Record<string, unknown>[] =>
    value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.values(value).filter((v): v is Record<string, unknown> => v !== null && typeof v === 'object') : [];
  const root = manifest as Record<string, unknown> | null;
  if (root === null || typeof root !== 'object') return [];
  for (const s of objects(root.secrets)) add(s.file, MAX_SECRET_BYTES);
  for (const c of objects(root.configs)) add(c.file, MAX_CONFIG_BYTES);
  for (const w of [...objects(root.containers), ...objects(root.services)]) {
    const envFile = w.env_file;
    for (const f of Array.isArray(envFile) ? envFile : [envFile]) add(f, MAX_ENV_FILE_BYTES);
  }
  return [...out].map(([written, maxBytes]) => ({ written, maxBytes }));
}
