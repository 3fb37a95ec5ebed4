// Resolution: turns the references of desired specs (logical names) into Engine names, so that a
// desired spec can be compared with an observed one. Pure.
//
// Networks and volumes have fixed Engine names. Secrets and configs are versioned (immutable in
// the Engine): a config's version is the hash of its content; a secret's version is the existing
// owned version whose salted fingerprint matches the content, or a new random id.
import type {
  ContainerSpec,
  DesiredProject,
  FileReference,
  Mount,
  ServiceSpec,
} from '../model/desired.js';
import { matchesFingerprint, sha256Hex, type IdSource } from '../model/hash.js';
import { VERSION_LENGTH, versionedEngineName } from '../model/labels.js';
import type { ObservedConfig, ObservedProject, ObservedSecret } from '../model/observed.js';

export interface Resolution {
  /** Logical name -> Engine name, per kind. */
  readonly networks: ReadonlyMap<string, string>;
  readonly volumes: ReadonlyMap<string, string>;
  readonly secrets: ReadonlyMap<string, string>;
  readonly configs: ReadonlyMap<string, string>;
  /** The owned versions chosen for managed secrets/configs, when one already exists. */
  readonly existingSecrets: ReadonlyMap<string, ObservedSecret>;
  readonly existingConfigs: ReadonlyMap<string, ObservedConfig>;
}

export function configVersion(data: Uint8Array): string {
  return sha256Hex(data).slice(0, VERSION_LENGTH);
}

export function resolveNames(desired: DesiredProject, observed: ObservedProject, newId: IdSource): Resolution {
  const networks = new Map(Object.values(desired.networks).map((n) => [n.name, n.engineName]));
  const volumes = new Map(Object.values(desired.volumes).map((v) => [v.name, v.engineName]));
  const secrets = new Map<string, string>();
  const configs = new Map<string, string>();
  const existingSecrets = new Map<string, ObservedSecret>();
  const existingConfigs = new Map<string, ObservedConfig>();
  const takenSecretNames = new Set([...observed.secrets.map((s) => s.engineName), ...observed.unowned.secret.keys()]);
  // Two versions can hold the same content (two applies that raced each made one): prefer the one
  // services already use, so that choosing one does not move (and restart) them.
  const usedSecrets = new Set(observed.services.flatMap((s) => s.spec.secrets.map((ref) => ref.source)));
  const usedFirst = (a: ObservedSecret, b: ObservedSecret): number => Number(usedSecrets.has(b.engineName)) - Number(usedSecrets.has(a.engineName)) || newestFirst(a, b);

  for (const secret of Object.values(desired.secrets)) {
    if (secret.external) {
      secrets.set(secret.name, secret.engineName);
      continue;
    }
    const bytes = secret.data.reveal();
    const match = observed.secrets
      .filter((s) => s.name === secret.name && s.fingerprint !== null && matchesFingerprint(bytes, s.fingerprint))
      .sort(usedFirst)[0];
    if (match !== undefined) {
      secrets.set(secret.name, match.engineName);
      existingSecrets.set(secret.name, match);
      continue;
    }
    let engineName = versionedEngineName(desired.project, secret.name, newId());
    while (takenSecretNames.has(engineName)) engineName = versionedEngineName(desired.project, secret.name, newId());
    secrets.set(secret.name, engineName);
  }

  for (const config of Object.values(desired.configs)) {
    if (config.external) {
      configs.set(config.name, config.engineName);
      continue;
    }
    const engineName = versionedEngineName(desired.project, config.name, configVersion(config.data));
    configs.set(config.name, engineName);
    const match = observed.configs.find((c) => c.engineName === engineName);
    if (match !== undefined) existingConfigs.set(config.name, match);
  }

  return { networks, volumes, secrets, configs, existingSecrets, existingConfigs };
}

function newestFirst(a: { createdAt: string }, b: { createdAt: string }): number {
  return b.createdAt.localeCompare(a.createdAt);
}

function lookup(map: ReadonlyMap<string, string>, name: string): string {
  // Validation guarantees every reference is declared; an unknown one is passed through unchanged
  // so the diff shows it rather than hiding it.
  return map.get(name) ?? name;
}

function resolveMounts(mounts: readonly Mount[], r: Resolution): Mount[] {
  return mounts.map((m) => (m.type === 'volume' && m.source !== '' ? { ...m, source: lookup(r.volumes, m.source) } : m));
}

function resolveKeys<T>(record: Readonly<Record<string, T>>, map: ReadonlyMap<string, string>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [key, value] of Object.entries(record)) out[lookup(map, key)] = value;
  return sortRecord(out);
}

function resolveFiles(refs: readonly FileReference[], map: ReadonlyMap<string, string>): FileReference[] {
  return refs.map((ref) => ({ ...ref, source: lookup(map, ref.source) }));
}

export function sortRecord<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const key of Object.keys(record).sort()) out[key] = record[key] as T;
  return out;
}

export function resolveContainerSpec(spec: ContainerSpec, r: Resolution): ContainerSpec {
  return { ...spec, networks: resolveKeys(spec.networks, r.networks), mounts: resolveMounts(spec.mounts, r) };
}

export function resolveServiceSpec(spec: ServiceSpec, r: Resolution): ServiceSpec {
  return {
    ...spec,
    networks: resolveKeys(spec.networks, r.networks),
    mounts: resolveMounts(spec.mounts, r),
    secrets: resolveFiles(spec.secrets, r.secrets),
    configs: resolveFiles(spec.configs, r.configs),
  };
}

/** Engine names of the secrets and configs a (resolved or observed) service spec uses. */
export function serviceRefs(spec: ServiceSpec): { secrets: string[]; configs: string[] } {
  return { secrets: spec.secrets.map((s) => s.source), configs: spec.configs.map((c) => c.source) };
}
