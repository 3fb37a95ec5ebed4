// Networks, volumes, secrets and configs: manifest definitions -> desired objects. Networks are
// drafted first and finished once it is known who uses them (their driver and `attachable`
// defaults depend on it; see finishNetwork).
import path from 'node:path';
import type {
  DesiredConfig,
  DesiredNetwork,
  DesiredSecret,
  DesiredVolume,
  ExternalObject,
  IpamSpec,
  NetworkSpec,
  StringMap,
} from '../model/desired.js';
import { engineName } from '../model/labels.js';
import { Sensitive } from '../model/sensitive.js';
import { type ValuePath, quoteValue } from './issues.js';
import type { Config, Network, Secret, Volume } from './manifest-types.js';
import { type Context, sortedEntries } from './normalise-context.js';
import { isIP } from 'node:net';
import { NOT_A_VARIABLE_NAME, isVariableName } from './interpolate.js';

/** The Engine's limits on secret and config data (swarmkit MaxSecretSize, MaxConfigSize). */
export const MAX_SECRET_BYTES = 500 * 1024;
export const MAX_CONFIG_BYTES = 1000 * 1024;

type ExternalKind = 'network' | 'volume' | 'secret' | 'config';
const COLLECTION_OF: Readonly<Record<ExternalKind, string>> = { network: 'networks', volume: 'volumes', secret: 'secrets', config: 'configs' };

/**
 * `external: true` -> the external object (only `name:` may be given with it); otherwise null,
 * after refusing a `name:` (managed objects are named by moor).
 */
function externalObject<K extends ExternalKind>(ctx: Context, kind: K, name: string, def: Readonly<Record<string, unknown>>): ExternalObject<K> | null {
  const base: ValuePath = [COLLECTION_OF[kind], name];
  if (def.external !== true) {
    if (def.name !== undefined) ctx.errorAtKey([...base, 'name'], `name: is only for external ${kind}s (moor names the ${kind}s it manages)`);
    return null;
  }
  for (const field of Object.keys(def).sort()) {
    if (field !== 'external' && field !== 'name' && !field.startsWith('x-')) {
      ctx.errorAtKey([...base, field], `an external ${kind} takes only name: (moor does not manage it)`);
    }
  }
  return { kind, name, external: true, engineName: typeof def.name === 'string' ? def.name : name };
}

// ---------------------------------------------------------------------------------------------
// Networks

export interface NetworkDraft {
  readonly name: string;
  readonly external: ExternalObject<'network'> | null;
  /** As written (null: the default applies once usage is known). */
  readonly driver: string | null;
  readonly attachable: boolean | null;
  readonly spec: Omit<NetworkSpec, 'driver' | 'attachable'>;
}

export function draftNetworks(ctx: Context): Map<string, NetworkDraft> {
  const drafts = new Map<string, NetworkDraft>();
  if (ctx.input.invalid.has('networks')) return drafts;
  for (const [name, maybeDef] of sortedEntries<Network | null>(ctx.input.manifest.networks)) {
    if (ctx.isInvalid('networks', 'network', name)) continue;
    const def: Network = maybeDef ?? {};
    const base: ValuePath = ['networks', name];
    const external = externalObject(ctx, 'network', name, def as Readonly<Record<string, unknown>>);
    drafts.set(name, {
      name,
      external,
      driver: def.driver ?? null,
      attachable: def.attachable ?? null,
      spec: {
        internal: def.internal ?? false,
        enableIpv6: def.enable_ipv6 ?? false,
        driverOpts: ctx.options(def.driver_opts, [...base, 'driver_opts']),
        ipam: def.ipam === undefined ? null : ipamSpec(ctx, def.ipam, [...base, 'ipam']),
        labels: ctx.labels(def.labels, [...base, 'labels']),
      },
    });
  }
  return drafts;
}

function ipamSpec(ctx: Context, ipam: NonNullable<Network['ipam']>, base: ValuePath): IpamSpec {
  const config = (ipam.config ?? []).map((pool, i) => {
    const poolPath = [...base, 'config', i];
    for (const field of ['subnet', 'ip_range'] as const) {
      const cidr = pool[field];
      if (cidr !== undefined && !isCidr(cidr)) ctx.error([...poolPath, field], `invalid CIDR ${quoteValue(cidr)} (e.g. "172.28.0.0/16")`);
    }
    if (pool.gateway !== undefined && isIP(pool.gateway) === 0) ctx.error([...poolPath, 'gateway'], `invalid IP address ${quoteValue(pool.gateway)}`);
    return { subnet: pool.subnet ?? null, ipRange: pool.ip_range ?? null, gateway: pool.gateway ?? null };
  });
  return { driver: ipam.driver ?? 'default', config };
}

function isCidr(text: string): boolean {
  const [address = '', prefix, extra] = text.split('/');
  const family = isIP(address);
  if (family === 0 || prefix === undefined || extra !== undefined || !/^[0-9]{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

export interface NetworkUsage {
  readonly containers: ReadonlySet<string>;
  readonly services: ReadonlySet<string>;
}

/**
 * Fills the defaults that depend on usage: the driver is overlay when a service uses the network,
 * else bridge; an overlay network that containers use is attachable unless the manifest says not.
 */
export function finishNetwork(ctx: Context, draft: NetworkDraft, usage: NetworkUsage): DesiredNetwork {
  if (draft.external !== null) return draft.external;
  const driver = draft.driver ?? (usage.services.size > 0 ? 'overlay' : 'bridge');
  const attachable = draft.attachable ?? (driver === 'overlay' && usage.containers.size > 0);
  return { kind: 'network', name: draft.name, external: false, engineName: engineName(ctx.project, draft.name), spec: { driver, attachable, ...draft.spec } };
}

// ---------------------------------------------------------------------------------------------
// Volumes

export function normaliseVolumes(ctx: Context): Map<string, DesiredVolume> {
  const out = new Map<string, DesiredVolume>();
  if (ctx.input.invalid.has('volumes')) return out;
  for (const [name, maybeDef] of sortedEntries<Volume | null>(ctx.input.manifest.volumes)) {
    if (ctx.isInvalid('volumes', 'volume', name)) continue;
    const def: Volume = maybeDef ?? {};
    const base: ValuePath = ['volumes', name];
    const external = externalObject(ctx, 'volume', name, def as Readonly<Record<string, unknown>>);
    out.set(
      name,
      external ?? {
        kind: 'volume',
        name,
        external: false,
        engineName: engineName(ctx.project, name),
        spec: { driver: def.driver ?? 'local', driverOpts: ctx.options(def.driver_opts, [...base, 'driver_opts']), labels: ctx.labels(def.labels, [...base, 'labels']) },
      },
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Secrets and configs

/** Exactly one source must be given; returns its field name, or null after reporting. */
function oneSource(ctx: Context, kind: 'secret' | 'config', name: string, def: Readonly<Record<string, unknown>>, fields: readonly string[]): string | null {
  const given = fields.filter((f) => (f === 'external' ? def.external === true : def[f] !== undefined));
  const choices = `${fields.filter((f) => f !== 'external').join(', ')} or external: true`;
  if (given.length === 1) return given[0] as string;
  ctx.objectError(kind, name, [COLLECTION_OF[kind], name], given.length === 0 ? `give its content with ${choices}` : `give only one of ${choices} (found ${given.join(', ')})`);
  return null;
}

/** The bytes of a `file:` source, after the restrictor and the size limit. */
function fileContent(ctx: Context, kind: 'secret' | 'config', name: string, file: string, limit: number): Uint8Array | null {
  const filePath: ValuePath = [COLLECTION_OF[kind], name, 'file'];
  const read = ctx.input.files.get(file);
  if (read === undefined) return null; // not read: another problem was reported
  if (!read.ok) {
    ctx.error(filePath, read.error);
    return null;
  }
  if (kind === 'secret' && (read.mode & 0o002) !== 0) {
    ctx.error(filePath, `${quoteValue(file)} is writable by every user: anyone on this host could change the secret (chmod o-w)`);
  }
  return checkSize(ctx, kind, filePath, read.size, limit) ? read.bytes : null;
}

function checkSize(ctx: Context, kind: 'secret' | 'config', at: ValuePath, size: number, limit: number): boolean {
  if (size === 0) ctx.error(at, `the ${kind} is empty: the Engine refuses empty ${kind}s`);
  else if (size > limit) ctx.error(at, `the ${kind} is ${size} bytes: the Engine's limit is ${limit / 1024} KiB`);
  else return true;
  return false;
}

/**
 * The skeleton shared by secrets and configs: skip schema-invalid ones, require exactly one
 * source, hand external ones back as they are, and build the managed ones with `build`.
 */
function normaliseSwarmObjects<D extends DesiredSecret | DesiredConfig>(
  ctx: Context,
  kind: 'secret' | 'config',
  sources: readonly string[],
  build: (name: string, def: Readonly<Record<string, unknown>>, source: string, labels: StringMap) => D | null,
): Map<string, D | ExternalObject<typeof kind>> {
  const collection = COLLECTION_OF[kind];
  const out = new Map<string, D | ExternalObject<typeof kind>>();
  if (ctx.input.invalid.has(collection)) return out;
  const manifest = ctx.input.manifest;
  const defs = (kind === 'secret' ? manifest.secrets : manifest.configs) as Readonly<Record<string, Readonly<Record<string, unknown>>>> | undefined;
  for (const [name, def] of sortedEntries(defs)) {
    if (ctx.isInvalid(collection, kind, name)) continue;
    const source = oneSource(ctx, kind, name, def, [...sources, 'external']);
    if (source === null) continue;
    const external = externalObject(ctx, kind, name, def); // also refuses name: on a managed object
    if (external !== null) out.set(name, external);
    if (source === 'external') continue;
    const built = build(name, def, source, ctx.labels(def.labels as Secret['labels'], [collection, name, 'labels']));
    if (built !== null) out.set(name, built);
  }
  return out;
}

export function normaliseSecrets(ctx: Context): Map<string, DesiredSecret> {
  return normaliseSwarmObjects(ctx, 'secret', ['file', 'environment'], (name, def, source, labels) => {
    const { file, environment } = def as Secret;
    if (source === 'file' && file !== undefined) {
      const bytes = fileContent(ctx, 'secret', name, file, MAX_SECRET_BYTES);
      return bytes === null ? null : { kind: 'secret', name, external: false, source: { type: 'file', path: path.normalize(file) }, data: new Sensitive(bytes), spec: { labels } };
    }
    if (environment === undefined) return null;
    const at: ValuePath = ['secrets', name, 'environment'];
    if (!isVariableName(environment)) {
      ctx.error(at, NOT_A_VARIABLE_NAME);
      return null;
    }
    const value = ctx.input.lookup(environment);
    if (value === undefined) {
      ctx.error(at, `the environment variable ${environment} is not set`);
      return null;
    }
    const bytes = new TextEncoder().encode(value);
    if (!checkSize(ctx, 'secret', at, bytes.byteLength, MAX_SECRET_BYTES)) return null;
    return { kind: 'secret', name, external: false, source: { type: 'environment', variable: environment }, data: new Sensitive(bytes), spec: { labels } };
  }) as Map<string, DesiredSecret>;
}

export function normaliseConfigs(ctx: Context): Map<string, DesiredConfig> {
  return normaliseSwarmObjects(ctx, 'config', ['file', 'content'], (name, def, source, labels) => {
    const { file, content } = def as Config;
    if (source === 'file' && file !== undefined) {
      const bytes = fileContent(ctx, 'config', name, file, MAX_CONFIG_BYTES);
      return bytes === null ? null : { kind: 'config', name, external: false, source: { type: 'file', path: path.normalize(file) }, data: bytes, spec: { labels } };
    }
    if (content === undefined) return null;
    const bytes = new TextEncoder().encode(content);
    if (!checkSize(ctx, 'config', ['configs', name, 'content'], bytes.byteLength, MAX_CONFIG_BYTES)) return null;
    return { kind: 'config', name, external: false, source: { type: 'content' }, data: bytes, spec: { labels } };
  }) as Map<string, DesiredConfig>;
}
