// What the Compose fuzzer (fuzz-compose.test.ts) generates: a logical project (what it means, before
// any spelling is chosen), and the files that say it. A project is one compose.yaml, or 2-3 files
// given with -f, an `include:`d file (in the project folder, or in sub/ with its own .env and
// relative paths), and services that `extends:` another one, in their file (or in a file that
// file includes) or in base.yaml or sub/base.yaml (a chain of two there). Each service is cut into
// parts, one per file that says something of it, merged in the order Compose merges them
// (compose-go's loader: per file, `include:` then `extends:`, then the file merged over the
// earlier ones):
//   - replaced values (image, command, restart, replicas, memory, CPUs, each healthcheck field):
//     the value in one part, other values (decoys) in earlier parts, the same value again in later
//     ones;
//   - environment and labels (as a mapping or a KEY=VALUE list in each part), networks: key by
//     key, the same way; ports (by host address, host port, container port and protocol: the same
//     port again, in either syntax), volumes (by target: a decoy with the other read_only before);
//   - depends_on (a list or a mapping in each part): a decoy condition before, the real one after
//     (a list item means service_started, as Compose's merge makes it);
//   - env_file, the bind mount, secrets, configs and profiles: in one part only (appended lists).
// A service extending one in its own file extends a real service, which must stand alone (an
// image, no published port, a whole healthcheck): its values are checked too; in the file that
// includes another, that service may be one the included file brings (its relative paths spelled
// from its own folder). An included project is one file or two (path: [sub/compose.yaml,
// sub/override.yaml], merged before it is included); a network, volume, secret or config it
// defines may be defined again, identically, by the including file.
import path from 'node:path';
import fc from 'fast-check';
import { Document, Pair, Scalar, type YAMLMap, isMap, isScalar } from 'yaml';
import type { ContainerPort } from '../../src/model/desired.js';
import { CANARY, type YamlStyle } from './fuzz-support.js';

/** The variable that holds the secret (in the process environment, or in .env). */
export const SECRET_VAR = 'DB_PASSWORD';
/** What decoys say (replaced by a later part). */
const DECOY = 'decoy';
const DECOY_IMAGE = 'moor/decoy:1';

/** The files the generated projects read besides their Compose files and .env files (relative to the project folder). */
export const DATA_FILES: Readonly<Record<string, string>> = {
  'db_pw.txt': `${CANARY}-secret-file`,
  'sub/db_pw.txt': `${CANARY}-sub-secret-file`,
  'app.conf': `password=${CANARY}-config-file\n`,
  'sub/app.conf': `password=${CANARY}-sub-config-file\n`,
  'web.env': `FROM_FILE=${CANARY}-env-file\nSHARED=from-file\n`,
  'sub/sub.env': `FROM_FILE=${CANARY}-sub-env-file\nSHARED=from-sub\n`,
};
export const DATA_DIRS = ['data', 'sub/data'] as const;
/** The included sub-project's variables (sub/.env): only its files see them. */
export const SUB_DOTENV = '# the sub-project\'s variables\nSUB_TAG=1.27\n';

export type EnvFile = 'web.env' | 'sub/sub.env';
export type DataDir = (typeof DATA_DIRS)[number];
const ENV_FILE_VALUES: Readonly<Record<EnvFile, Readonly<Record<string, string>>>> = {
  'web.env': { FROM_FILE: `${CANARY}-env-file`, SHARED: 'from-file' },
  'sub/sub.env': { FROM_FILE: `${CANARY}-sub-env-file`, SHARED: 'from-sub' },
};

// ---------------------------------------------------------------------------------------------
// The logical project

export interface LogicalPort extends ContainerPort {
  /** Written in the long syntax (a mapping). */
  readonly long: boolean;
}

export interface LogicalVolume {
  readonly source: string;
  readonly target: string;
  readonly readOnly: boolean;
}

export interface Healthcheck {
  readonly test: readonly string[];
  readonly intervalS: number;
  readonly retries: number;
}

export type Condition = 'service_started' | 'service_healthy';
export interface Dependency {
  readonly name: string;
  readonly condition: Condition;
}

/** How replicas, memory and CPUs are written: every part of a service writes them the same way (scale and deploy.replicas together would be a conflict). */
export interface Forms {
  readonly replicas: 'scale' | 'deploy';
  readonly memory: 'mem_limit' | 'deploy';
  readonly cpus: 'cpus' | 'deploy';
}

/** What one file says of a service (a whole service says everything). */
export interface ServicePart {
  readonly image: string | null;
  readonly command: readonly string[] | null;
  /** The entries written (PASSWORD, and what env_file gives, apart). */
  readonly environment: Readonly<Record<string, string>>;
  /** How PASSWORD is written: the secret as it is, as ${DB_PASSWORD} (with or without a default), or a decoy value. */
  readonly secret: 'none' | 'literal' | 'variable' | 'variable-default' | 'decoy';
  readonly envFile: EnvFile | null;
  readonly labels: Readonly<Record<string, string>>;
  readonly ports: readonly LogicalPort[];
  readonly volumes: readonly LogicalVolume[];
  /** A bind mount of this folder at /srv/data. */
  readonly bind: DataDir | null;
  readonly networks: readonly string[];
  readonly dependsOn: readonly Dependency[];
  readonly healthcheck: Partial<Healthcheck> | null;
  readonly replicas: number | null;
  readonly memMiB: number | null;
  readonly quarterCpus: number | null;
  /** restart: written, or from the `x-common` fields merged in (`<<: *common`). */
  readonly restart: 'no' | 'always' | 'unless-stopped' | 'common' | null;
  readonly secretFile: 'none' | 'short' | 'long';
  readonly config: 'none' | 'short' | 'long';
  readonly profile: string | null;
  readonly forms: Forms;
}

export interface LogicalService extends ServicePart {
  readonly name: string;
  readonly image: string;
  readonly healthcheck: Healthcheck | null;
}

export interface Logical {
  readonly project: string;
  readonly networks: readonly string[];
  readonly volumes: readonly string[];
  readonly services: readonly LogicalService[];
  /** The restart policy the `x-common` extension field holds. */
  readonly commonRestart: 'always' | 'unless-stopped';
  /** Where DB_PASSWORD is set. */
  readonly secretFrom: 'environment' | '.env';
  /** The tag of nginx images written ${TAG:-1.27}: from .env, or the default. */
  readonly tagFromDotenv: boolean;
  /** The file of the top-level secret db_pw and of the config app_conf. */
  readonly secretSource: 'db_pw.txt' | 'sub/db_pw.txt';
  readonly configSource: 'app.conf' | 'sub/app.conf';
}

/** The environment a service gets: env_file's values, then the entries written, then PASSWORD. */
export function environmentOf(s: ServicePart): Record<string, string> {
  const password = s.secret === 'none' ? {} : { PASSWORD: s.secret === 'decoy' ? DECOY : CANARY };
  return { ...(s.envFile === null ? {} : ENV_FILE_VALUES[s.envFile]), ...s.environment, ...password };
}

const name = fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/);
const envKey = fc.stringMatching(/^[A-Z][A-Z0-9_]{0,9}$/).filter((k) => k !== 'PASSWORD' && k !== 'FROM_FILE' && k !== 'SHARED');
// Printable, with the characters that break naive parsers: quotes, =, :, #, $, braces, unicode.
const envValue = fc.string({ unit: fc.constantFrom(...'abcXYZ019 =:#$"\'\\{}[],&*!|>%@`-_./é日\t'.split('')), maxLength: 24 });
const labelKey = fc.stringMatching(/^com\.example\.[a-z][a-z0-9-]{0,8}$/);
const image = fc.constantFrom('moor/busybox:latest', 'nginx:1.27', 'registry.example.com:5000/team/app:v1.10', 'redis@sha256:' + 'a'.repeat(64));
const word = fc.stringMatching(/^[a-z0-9/._-]{1,10}$/);
const target = fc.stringMatching(/^\/[a-z][a-z0-9_-]{0,8}$/);

const serviceArb = (n: string, index: number, earlier: readonly LogicalService[], networks: readonly string[], volumes: readonly string[]): fc.Arbitrary<LogicalService> =>
  fc
    .record({
      image,
      command: fc.option(fc.array(word, { minLength: 1, maxLength: 4 }), { nil: null }),
      environment: fc.dictionary(envKey, envValue, { maxKeys: 4 }),
      secret: fc.constantFrom('none' as const, 'literal' as const, 'variable' as const, 'variable-default' as const),
      envFile: fc.constantFrom<EnvFile | null>(null, 'web.env', null, 'sub/sub.env'),
      labels: fc.dictionary(labelKey, envValue, { maxKeys: 3 }),
      replicas: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }),
      ports: fc.uniqueArray(
        fc.record({ target: fc.integer({ min: 1, max: 65535 }), published: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: null }), hostIp: fc.constantFrom('', '127.0.0.1'), protocol: fc.constantFrom('tcp' as const, 'udp' as const), long: fc.boolean() }),
        { maxLength: 3, selector: (p) => `${p.target}/${p.protocol}` },
      ),
      volumes: fc.uniqueArray(fc.record({ source: volumes.length === 0 ? fc.constant('') : fc.constantFrom(...volumes), target, readOnly: fc.boolean() }), { maxLength: 2, selector: (v) => v.target }),
      bind: fc.constantFrom<DataDir | null>(null, 'data', null, 'sub/data'),
      networks: fc.subarray([...networks]),
      dependsOn: fc.subarray(earlier.filter((e) => e.profile === null).map((e) => e.name)).chain((names) =>
        fc.tuple(...names.map((d) => fc.constantFrom(...(earlier.find((e) => e.name === d)?.healthcheck === null ? ['service_started' as const] : ['service_started' as const, 'service_healthy' as const])).map((condition) => ({ name: d, condition })))),
      ),
      healthcheck: fc.option(fc.record({ test: fc.array(word, { minLength: 1, maxLength: 3 }).map((w) => ['CMD', ...w]), intervalS: fc.integer({ min: 1, max: 90 }), retries: fc.integer({ min: 1, max: 9 }) }), { nil: null }),
      memMiB: fc.option(fc.integer({ min: 6, max: 4096 }), { nil: null }),
      quarterCpus: fc.option(fc.integer({ min: 1, max: 16 }), { nil: null }),
      restart: fc.constantFrom('no' as const, 'always' as const, 'unless-stopped' as const, 'common' as const, null),
      secretFile: fc.constantFrom('none' as const, 'short' as const, 'long' as const),
      config: fc.constantFrom('none' as const, 'short' as const, 'long' as const),
      // The first service always runs (the others may depend on it).
      profile: index === 0 ? fc.constant(null) : fc.option(fc.constantFrom('debug', 'tools'), { nil: null, freq: 3 }),
      forms: fc.record({ replicas: fc.constantFrom('scale' as const, 'deploy' as const), memory: fc.constantFrom('mem_limit' as const, 'deploy' as const), cpus: fc.constantFrom('cpus' as const, 'deploy' as const) }),
    })
    .map(
      (s): LogicalService => ({
        ...s,
        name: n,
        // Several containers of one service cannot bind one host port (moor refuses that, rightly).
        ports: s.replicas !== null && s.replicas > 1 ? s.ports.map((p) => ({ ...p, published: null, hostIp: '' })) : s.ports,
        volumes: s.volumes.filter((v) => v.source !== '' && !(s.bind !== null && v.target === '/srv/data')),
      }),
    );

/** Services one after the other, so that each may depend on those before it. */
function servicesArb(names: readonly string[], networks: readonly string[], volumes: readonly string[], earlier: readonly LogicalService[] = []): fc.Arbitrary<LogicalService[]> {
  const [first, ...rest] = names;
  if (first === undefined) return fc.constant([...earlier]);
  return serviceArb(first, earlier.length, earlier, networks, volumes).chain((s) => servicesArb(rest, networks, volumes, [...earlier, s]));
}

export const logicalArb: fc.Arbitrary<Logical> = fc
  .record({ project: name, networks: fc.uniqueArray(name, { maxLength: 3 }), volumes: fc.uniqueArray(name, { maxLength: 2 }), serviceNames: fc.uniqueArray(name, { minLength: 1, maxLength: 4 }) })
  // A service named like the copy of a replicated one (web_2) cannot happen: names have no "_";
  // nor like a base service (web-base) or a template (web-tpl): they have no "-".
  .chain(({ project, networks, volumes, serviceNames }) =>
    fc.record({
      project: fc.constant(project),
      networks: fc.constant(networks),
      volumes: fc.constant(volumes),
      services: servicesArb(serviceNames, networks, volumes),
      commonRestart: fc.constantFrom('always' as const, 'unless-stopped' as const),
      secretFrom: fc.constantFrom('environment' as const, '.env' as const),
      tagFromDotenv: fc.boolean(),
      secretSource: fc.constantFrom('db_pw.txt' as const, 'sub/db_pw.txt' as const),
      configSource: fc.constantFrom('app.conf' as const, 'sub/app.conf' as const),
    }),
  )
  // Published ports must not clash ('' binds every address, so it clashes with 127.0.0.1 too).
  .filter((l) => {
    const published = l.services.flatMap((s) => s.ports.filter((p) => p.published !== null).map((p) => `${p.published}/${p.protocol}`));
    return new Set(published).size === published.length;
  });

// ---------------------------------------------------------------------------------------------
// Choices: every spelling choice below must mean the same thing.

export type Choice = () => boolean;

/** A choice among `n` (0 when n is 1). */
export function chooseIndex(pick: Choice, n: number): number {
  let i = 0;
  for (let bit = 1; bit < n; bit *= 2) if (pick()) i += bit;
  return i % n;
}

function chooseFrom<T>(pick: Choice, items: readonly T[]): T {
  const item = items[chooseIndex(pick, items.length)];
  if (item === undefined) throw new Error('chooseFrom: no items to choose from');
  return item;
}

const isRecord = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);

const range = (from: number, to: number): number[] => Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);

// ---------------------------------------------------------------------------------------------
// A service cut into parts: merged in order (Compose's rules), they give the service.

type Draft = { -readonly [K in keyof ServicePart]: ServicePart[K] };

const emptyPart = (forms: Forms): Draft => ({
  image: null,
  command: null,
  environment: {},
  secret: 'none',
  envFile: null,
  labels: {},
  ports: [],
  volumes: [],
  bind: null,
  networks: [],
  dependsOn: [],
  healthcheck: null,
  replicas: null,
  memMiB: null,
  quarterCpus: null,
  restart: null,
  secretFile: 'none',
  config: 'none',
  profile: null,
  forms,
});

export function isEmptyPart(p: ServicePart): boolean {
  const { forms: _forms, ...fields } = p;
  return Object.values(fields).every((v) => v === null || v === 'none' || (Array.isArray(v) ? v.length === 0 : typeof v === 'object' && Object.keys(v).length === 0));
}

/**
 * Cuts `s` into `count` parts. The part at `standalone` becomes a service of its own (the base of a
 * service extending it in its file): it gets an image and a whole healthcheck (if any), and no
 * published port (its containers would clash with the extending service's) nor decoy dependency.
 */
export function splitService(s: LogicalService, count: number, standalone: number | null, pick: Choice): ServicePart[] {
  const parts = range(0, count).map(() => emptyPart(s.forms));
  const part = (i: number): Draft => {
    const p = parts[i];
    if (p === undefined) throw new Error(`splitService: no part ${i} of ${count}`);
    return p;
  };
  const all = range(0, count);
  const sometimes = (): boolean => pick() && pick();
  /** The part that says a value, the earlier ones that say something else, the later ones that say it again. */
  const place = (candidates: readonly number[]): { at: number; before: number[]; after: number[] } => {
    const at = chooseFrom(pick, candidates);
    return { at, before: candidates.filter((i) => i < at && sometimes()), after: candidates.filter((i) => i > at && sometimes()) };
  };
  const spread = <T>(candidates: readonly number[], real: T, decoy: T, set: (d: Draft, value: T) => void): number => {
    const p = place(candidates);
    set(part(p.at), real);
    for (const i of p.before) set(part(i), decoy);
    for (const i of p.after) set(part(i), real);
    return p.at;
  };
  const once = (set: (d: Draft) => void): void => set(part(chooseFrom(pick, all)));

  const imageAt = spread(all, s.image, DECOY_IMAGE, (d, v) => (d.image = v));
  if (s.command !== null) spread(all, s.command, [DECOY], (d, v) => (d.command = v));
  if (s.replicas !== null) spread(all, s.replicas, (s.replicas % 3) + 1, (d, v) => (d.replicas = v));
  if (s.memMiB !== null) spread(all, s.memMiB, 64, (d, v) => (d.memMiB = v));
  if (s.quarterCpus !== null) spread(all, s.quarterCpus, 2, (d, v) => (d.quarterCpus = v));
  if (s.restart !== null) spread<ServicePart['restart']>(all, s.restart, s.restart === 'always' ? 'no' : 'always', (d, v) => (d.restart = v));
  if (s.secret !== 'none') spread<ServicePart['secret']>(all, s.secret, 'decoy', (d, v) => (d.secret = v));
  for (const [k, v] of Object.entries(s.environment)) spread(all, v, DECOY, (d, x) => (d.environment = { ...d.environment, [k]: x }));
  for (const [k, v] of Object.entries(s.labels)) spread(all, v, DECOY, (d, x) => (d.labels = { ...d.labels, [k]: x }));
  for (const p of s.ports) {
    // The same port again (in either syntax) replaces it.
    const candidates = p.published === null ? all : all.filter((i) => i !== standalone);
    spread(candidates, p, { ...p, long: pick() }, (d, x) => (d.ports = [...d.ports, x]));
  }
  for (const v of s.volumes) spread(all, v, { ...v, readOnly: !v.readOnly }, (d, x) => (d.volumes = [...d.volumes, x]));
  for (const n of s.networks) spread(all, n, n, (d, x) => (d.networks = [...d.networks, x]));
  for (const dep of s.dependsOn) {
    const other: Condition = dep.condition === 'service_started' ? 'service_healthy' : 'service_started';
    const at = spread(all, dep, { ...dep, condition: other }, (d, x) => (d.dependsOn = [...d.dependsOn, x]));
    // A service of its own says only what holds (a decoy condition may not).
    if (standalone !== null && standalone < at) part(standalone).dependsOn = part(standalone).dependsOn.filter((d) => d.name !== dep.name);
  }
  const healthAt: Partial<Record<keyof Healthcheck, number>> = {};
  if (s.healthcheck !== null) {
    const hc = s.healthcheck;
    healthAt.test = spread(all, hc.test, ['CMD', DECOY], (d, v) => (d.healthcheck = { ...d.healthcheck, test: v }));
    healthAt.intervalS = spread(all, hc.intervalS, 99, (d, v) => (d.healthcheck = { ...d.healthcheck, intervalS: v }));
    healthAt.retries = spread(all, hc.retries, 9, (d, v) => (d.healthcheck = { ...d.healthcheck, retries: v }));
  }
  if (s.envFile !== null) once((d) => (d.envFile = s.envFile));
  if (s.bind !== null) once((d) => (d.bind = s.bind));
  if (s.secretFile !== 'none') once((d) => (d.secretFile = s.secretFile));
  if (s.config !== 'none') once((d) => (d.config = s.config));
  if (s.profile !== null) once((d) => (d.profile = s.profile));

  if (standalone !== null) {
    const base = part(standalone);
    // What a later part replaces may be anything; what no later part replaces must be the value.
    if (base.image === null) base.image = standalone < imageAt ? DECOY_IMAGE : s.image;
    if (base.healthcheck !== null && s.healthcheck !== null) {
      const hc = s.healthcheck;
      const field = <K extends keyof Healthcheck>(k: K, decoy: Healthcheck[K]): Healthcheck[K] => base.healthcheck?.[k] ?? (standalone < (healthAt[k] ?? 0) ? decoy : hc[k]);
      base.healthcheck = { test: field('test', ['CMD', DECOY]), intervalS: field('intervalS', 99), retries: field('retries', 9) };
    }
  }
  return parts;
}

/** A part that stands alone, as the service it is. */
function asService(p: ServicePart, serviceName: string): LogicalService {
  const hc = p.healthcheck;
  if (p.image === null) throw new Error(`the base service ${serviceName} has no image`);
  if (hc !== null && (hc.test === undefined || hc.intervalS === undefined || hc.retries === undefined)) throw new Error(`the base service ${serviceName} has a partial healthcheck`);
  return { ...p, name: serviceName, image: p.image, healthcheck: hc === null ? null : { test: hc.test ?? [], intervalS: hc.intervalS ?? 0, retries: hc.retries ?? 0 } };
}

// ---------------------------------------------------------------------------------------------
// Spellings

/** Where a file is: its folder (relative paths start there) and whether it sees sub/.env. */
interface Where {
  readonly folder: string;
  readonly subEnv: boolean;
}

const whereOf = (file: string): Where => ({ folder: path.posix.dirname(file) === '.' ? '' : path.posix.dirname(file), subEnv: (INCLUDED.sub2 as readonly string[]).includes(file) });

/** `file` (relative to the project folder) as written in a file of `where`; `dotted`: always with ./ or ../ (bind sources must). */
function relative(where: Where, file: string, pick: Choice, dotted = false): string {
  const r = path.posix.relative(where.folder, file);
  return r.startsWith('..') || !(dotted || pick()) ? r : `./${r}`;
}

/** `$` doubles: a literal dollar in a Compose file (interpolation's escape). */
const escape = (s: string): string => s.replaceAll('$', () => '$$');

function spellMap(map: Readonly<Record<string, string>>, pick: Choice): Record<string, string> | string[] {
  if (pick()) return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, escape(v)]));
  return Object.entries(map).map(([k, v]) => `${k}=${escape(v)}`);
}

function spellPort(p: LogicalPort, pick: Choice): unknown {
  if (p.long) return { target: p.target, ...(p.published === null ? {} : { published: pick() ? p.published : String(p.published) }), protocol: p.protocol, ...(p.hostIp === '' ? {} : { host_ip: p.hostIp }), ...(pick() ? { mode: 'host' } : {}) };
  const proto = p.protocol === 'tcp' && pick() ? '' : `/${p.protocol}`;
  if (p.published === null) return p.hostIp === '' ? `${p.target}${proto}` : `${p.hostIp}::${p.target}${proto}`;
  return `${p.hostIp === '' ? '' : `${p.hostIp}:`}${p.published}:${p.target}${proto}`;
}

function spellVolume(v: LogicalVolume, pick: Choice): unknown {
  if (pick()) return { type: 'volume', source: v.source, target: v.target, ...(v.readOnly || pick() ? { read_only: v.readOnly } : {}) };
  return `${v.source}:${v.target}${v.readOnly ? ':ro' : pick() ? ':rw' : ''}`;
}

function spellImage(image: string, where: Where, pick: Choice): string {
  if (!image.endsWith(':1.27') || pick()) return image;
  return image.replace(/:1\.27$/, where.subEnv && pick() ? ':${SUB_TAG}' : ':${TAG:-1.27}');
}

/** The value that documentOf turns into `<<: *common`. */
const COMMON = '*common';

function spellPart(s: ServicePart, where: Where, pick: Choice): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (s.restart === 'common') out['<<'] = COMMON;
  if (s.image !== null) out.image = spellImage(s.image, where, pick);
  if (s.command !== null) out.command = pick() ? s.command.join(' ') : [...s.command];
  const environment = spellMap(s.environment, pick);
  if (s.secret !== 'none') {
    const password = s.secret === 'decoy' ? DECOY : s.secret === 'literal' ? CANARY : s.secret === 'variable' ? `\${${SECRET_VAR}}` : `\${${SECRET_VAR}:-nope}`;
    if (Array.isArray(environment)) environment.push(`PASSWORD=${password}`);
    else environment.PASSWORD = password;
  }
  if (Object.keys(s.environment).length > 0 || s.secret !== 'none' || pick()) out.environment = environment;
  if (s.envFile !== null) {
    const file = relative(where, s.envFile, pick);
    out.env_file = pick() ? file : pick() ? [file] : [{ path: file, required: true }];
  }
  if (Object.keys(s.labels).length > 0) out.labels = spellMap(s.labels, pick);
  if (s.ports.length > 0) out.ports = s.ports.map((p) => spellPort(p, pick));
  const bind = s.bind === null ? [] : [relative(where, s.bind, pick, true)].map((source) => (pick() ? `${source}:/srv/data` : { type: 'bind', source, target: '/srv/data' }));
  const volumes = [...s.volumes.map((v) => spellVolume(v, pick)), ...bind];
  if (volumes.length > 0) out.volumes = volumes;
  if (s.networks.length > 0) out.networks = pick() ? [...s.networks] : Object.fromEntries(s.networks.map((n) => [n, pick() ? null : { aliases: [] }]));
  if (s.dependsOn.length > 0) {
    out.depends_on = s.dependsOn.every((d) => d.condition === 'service_started') && pick() ? s.dependsOn.map((d) => d.name) : Object.fromEntries(s.dependsOn.map((d) => [d.name, { condition: d.condition }]));
  }
  const hc = s.healthcheck;
  if (hc !== null) {
    out.healthcheck = {
      ...(hc.test === undefined ? {} : { test: [...hc.test] }),
      ...(hc.intervalS === undefined ? {} : { interval: `${hc.intervalS}s` }),
      ...(hc.retries === undefined ? {} : { retries: pick() ? hc.retries : String(hc.retries) }),
    };
  }
  const deploy: Record<string, unknown> = {};
  if (s.replicas !== null) {
    if (s.forms.replicas === 'deploy') deploy.replicas = s.replicas;
    else out.scale = s.replicas;
  }
  const limits: Record<string, unknown> = {};
  if (s.memMiB !== null) {
    if (s.forms.memory === 'deploy') limits.memory = `${s.memMiB}M`;
    else out.mem_limit = pick() ? `${s.memMiB}m` : s.memMiB * 1024 * 1024;
  }
  if (s.quarterCpus !== null) {
    if (s.forms.cpus === 'deploy') limits.cpus = String(s.quarterCpus / 4);
    else out.cpus = s.quarterCpus / 4;
  }
  if (Object.keys(limits).length > 0) deploy.resources = { limits };
  if (Object.keys(deploy).length > 0) out.deploy = deploy;
  if (s.restart !== null && s.restart !== 'common') out.restart = s.restart;
  if (s.secretFile !== 'none') out.secrets = s.secretFile === 'short' ? ['db_pw'] : [{ source: 'db_pw', target: 'db_password' }];
  if (s.config !== 'none') out.configs = [s.config === 'short' ? 'app_conf' : { source: 'app_conf', target: '/etc/app.conf' }];
  if (s.profile !== null) out.profiles = [s.profile];
  if (pick()) out['x-note'] = 'extension fields mean nothing';
  return out;
}

// ---------------------------------------------------------------------------------------------
// The files

export interface Layout {
  /** Files given after compose.yaml with -f (0-2). */
  readonly overrides: number;
  /** An included file: none, sub/compose.yaml (with sub/.env; sub2: with sub/override.yaml merged over it) or inc.yaml (in the project folder). */
  readonly include: 'none' | 'sub' | 'sub2' | 'here';
  /** Services spread over the -f files (otherwise each is in one file). */
  readonly spread: boolean;
  /** Services extending another (in their file, or in base.yaml or sub/base.yaml). */
  readonly extend: boolean;
}

const SINGLE_FILE: Layout = { overrides: 0, include: 'none', spread: false, extend: false };
export const layoutArb: fc.Arbitrary<Layout> = fc.oneof(
  { weight: 1, arbitrary: fc.constant(SINGLE_FILE) },
  { weight: 3, arbitrary: fc.record({ overrides: fc.integer({ min: 0, max: 2 }), include: fc.constantFrom('none' as const, 'sub' as const, 'sub2' as const, 'here' as const), spread: fc.boolean(), extend: fc.boolean() }) },
);

const PROJECT_FILES = ['compose.yaml', 'compose.override.yaml', 'prod.yaml'];
const INCLUDED = { sub: ['sub/compose.yaml'], sub2: ['sub/compose.yaml', 'sub/override.yaml'], here: ['inc.yaml'] } as const;

export interface ProjectFile {
  /** Relative to the project folder. */
  readonly path: string;
  readonly tree: Record<string, unknown>;
}

export interface Project {
  /** The Compose files given with -f, in order. */
  readonly composeFiles: readonly string[];
  /** Every Compose file written: those, the included ones, the one extends: names. */
  readonly files: readonly ProjectFile[];
  /** What the project means: the logical project, with the services that others extend in their file. */
  readonly logical: Logical;
}

/** The top-level sections of a file, in the order they are written. */
const SECTIONS = ['name', 'include', 'networks', 'volumes', 'secrets', 'configs', 'services'];

class Files {
  readonly #trees = new Map<string, Map<string, unknown>>();

  #tree(file: string): Map<string, unknown> {
    const tree = this.#trees.get(file) ?? new Map<string, unknown>();
    this.#trees.set(file, tree);
    return tree;
  }

  /** A mapping of `file` (networks, services...), made when first asked for. */
  section(file: string, key: string): Record<string, unknown> {
    const tree = this.#tree(file);
    const existing = tree.get(key);
    if (isRecord(existing)) return existing;
    const section: Record<string, unknown> = {};
    tree.set(key, section);
    return section;
  }

  set(file: string, key: string, value: unknown): void {
    this.#tree(file).set(key, value);
  }

  /** The files in `order` that have something (and those `always` written), each with its sections in the usual order. */
  trees(order: readonly string[], always: readonly string[]): ProjectFile[] {
    return order.flatMap((file) => {
      const tree = this.#trees.get(file) ?? (always.includes(file) ? new Map<string, unknown>() : undefined);
      if (tree === undefined) return [];
      return [{ path: file, tree: Object.fromEntries(SECTIONS.filter((k) => tree.has(k)).map((k) => [k, tree.get(k)])) }];
    });
  }
}

/** The project `l` as files: which file says what is chosen with `pick`. */
export function layoutProject(l: Logical, layout: Layout, pick: Choice): Project {
  const project = PROJECT_FILES.slice(0, 1 + layout.overrides);
  const included = layout.include === 'none' ? null : { paths: INCLUDED[layout.include], by: chooseIndex(pick, project.length) };
  const includedFiles: readonly string[] = included?.paths ?? [];
  const baseFile = pick() ? 'base.yaml' : 'sub/base.yaml';
  const files = new Files();

  // name: in compose.yaml always (detection needs a Compose key), decoys replaced by the last one.
  const nameAt = chooseIndex(pick, project.length);
  for (const [i, file] of project.entries()) {
    if (i < nameAt && (i === 0 || pick())) files.set(file, 'name', `${DECOY}${i}`);
    if (i === nameAt) files.set(file, 'name', l.project);
  }
  if (included !== null) {
    files.set(project[included.by] ?? 'compose.yaml', 'include', [spellInclude(included.paths, pick)]);
    // An included file's name: is not the project's.
    if (pick()) files.set(chooseFrom(pick, included.paths), 'name', `${DECOY}included`);
  }

  // Each top-level object in one file (a project file or the included one); one of the included
  // file is sometimes defined again, identically, by the file that includes it (its file: path
  // spelled from its own folder), which Compose accepts.
  const homes = [...project, ...includedFiles];
  const includer = included === null ? null : (project[included.by] ?? 'compose.yaml');
  const define = (section: string, key: string, spell: (where: Where) => unknown): void => {
    const home = chooseFrom(pick, homes);
    files.section(home, section)[key] = spell(whereOf(home));
    if (includer !== null && includedFiles.includes(home) && pick()) files.section(includer, section)[key] = spell(whereOf(includer));
  };
  for (const n of l.networks) {
    const value = pick() ? {} : pick() ? null : { labels: { 'com.example.network': n } };
    define('networks', n, () => value);
  }
  for (const v of l.volumes) {
    const value = pick() ? {} : null;
    define('volumes', v, () => value);
  }
  if (l.services.some((s) => s.secretFile !== 'none')) define('secrets', 'db_pw', (where) => ({ file: relative(where, l.secretSource, pick) }));
  if (l.services.some((s) => s.config !== 'none')) define('configs', 'app_conf', (where) => ({ file: relative(where, l.configSource, pick) }));

  const services: LogicalService[] = [];
  for (const s of l.services) {
    services.push(s);
    const home = included !== null && pick() ? included : null;
    // The files that say something of the service, in merge order: an included service is
    // merged where its files are included.
    const slots = !layout.spread ? [chooseFrom(pick, home?.paths ?? project)] : project.flatMap((f, i) => (home !== null && i === home.by ? home.paths : [f]));
    const ext = layout.extend && pick() ? { slot: chooseIndex(pick, slots.length), inFile: pick(), chain: pick() ? 2 : 1 } : null;
    // Bases are merged just before the part that extends them.
    const bases = ext === null ? 0 : ext.inFile ? 1 : ext.chain;
    const j = ext?.slot ?? slots.length;
    const parts = splitService(s, slots.length + bases, ext?.inFile === true ? j : null, pick);
    const partAt = (i: number): ServicePart => parts[i] ?? emptyPart(s.forms);
    for (const [i, file] of slots.entries()) {
      const p = partAt(i < j ? i : i + bases);
      if (i !== j && isEmptyPart(p)) continue;
      const spelled = spellPart(p, whereOf(file), pick);
      files.section(file, 'services')[s.name] = i === j ? { extends: spellExtends(s.name, ext?.inFile === true ? null : baseFile, ext?.chain ?? 1, whereOf(file), pick), ...spelled } : spelled;
    }
    if (ext === null) continue;
    const at = slots[j] ?? 'compose.yaml';
    if (ext.inFile) {
      const base = `${s.name}-base`;
      // In the file that includes another, the base may be one the included file brings: Compose
      // applies a file's include: before its extends:.
      const baseHome = included !== null && at === includer && pick() ? chooseFrom(pick, included.paths) : at;
      files.section(baseHome, 'services')[base] = spellPart(partAt(j), whereOf(baseHome), pick);
      services.push(asService(partAt(j), base));
      continue;
    }
    const templates = ext.chain === 1 ? [`${s.name}-tpl`] : [`${s.name}-tpl0`, `${s.name}-tpl1`];
    for (const [b, template] of templates.entries()) {
      const spelled = spellPart(partAt(j + b), whereOf(baseFile), pick);
      const earlier = templates[b - 1];
      files.section(baseFile, 'services')[template] = earlier === undefined ? spelled : { extends: pick() ? earlier : { service: earlier }, ...spelled };
    }
  }
  const composeFiles = [...project];
  return { composeFiles, files: files.trees([...project, ...includedFiles, baseFile], [...project, ...includedFiles]), logical: { ...l, services } };
}

/** An include: entry (several files: merged in order, then included). */
function spellInclude(paths: readonly string[], pick: Choice): unknown {
  const written = paths.map((p) => (pick() ? p : `./${p}`));
  const [first] = written;
  if (written.length === 1 && first !== undefined && pick()) return first;
  const entry: Record<string, unknown> = { path: written.length === 1 && pick() ? first : written };
  const sub = paths.every((p) => p.startsWith('sub/'));
  if (sub && pick()) entry.project_directory = pick() ? 'sub' : './sub';
  if (sub && pick()) entry.env_file = 'sub/.env';
  return entry;
}

/** `extends:` the service's base: in its file (`file` null), or the last template of the base file. */
function spellExtends(service: string, file: string | null, chain: number, where: Where, pick: Choice): unknown {
  if (file === null) return pick() ? `${service}-base` : { service: `${service}-base` };
  const template = chain === 1 ? `${service}-tpl` : `${service}-tpl1`;
  return pick() ? { file: relative(where, file, pick), service: template } : { service: template, file: relative(where, file, pick) };
}

// ---------------------------------------------------------------------------------------------
// YAML

/**
 * A file's tree as a YAML document with anchors: `<<: *common` in the services whose restart comes
 * from x-common (an extension field added to the files that have such services), and an alias where
 * a service's labels are the same as an earlier one's. Where a mutation took away what they refer
 * to, there is none.
 */
export function documentOf(tree: Record<string, unknown>, l: Logical, pick: Choice): Document {
  const services = tree.services;
  const common = isRecord(services) && Object.values(services).some((s) => isRecord(s) && s['<<'] === COMMON);
  const { name: projectName, ...rest } = tree;
  const withCommon = common ? { ...(projectName === undefined ? {} : { name: projectName }), 'x-common': { restart: l.commonRestart, 'x-why': 'merged into services with <<' }, ...rest } : tree;
  const doc = new Document(withCommon);
  const commonNode = doc.get('x-common', true);
  const alias = isMap(commonNode) ? doc.createAlias(commonNode, 'common') : null;
  const serviceMaps = doc.get('services', true);
  if (!isMap(serviceMaps)) return doc;
  const written = new Map<string, YAMLMap>();
  for (const pair of serviceMaps.items) {
    const service = pair.value;
    if (!isMap(service)) continue;
    const merge = service.items.findIndex((p) => isScalar(p.key) && p.key.value === '<<' && isScalar(p.value) && p.value.value === COMMON);
    if (merge !== -1 && alias !== null) {
      const key = new Scalar('<<');
      key.type = 'PLAIN';
      service.items[merge] = new Pair(key, alias);
    }
    const labels = service.get('labels', true);
    if (!isMap(labels)) continue;
    const json = JSON.stringify(labels.toJSON());
    const same = written.get(json);
    if (same !== undefined && pick()) service.set('labels', doc.createAlias(same));
    else written.set(json, labels);
  }
  return doc;
}

export function render(doc: Document, style: YamlStyle): string {
  return doc.toString({ ...style, lineWidth: 0 });
}
