// The benchmark project generator: one project of N Swarm services plus N/3 containers, written
// for each tool in its own format, describing the same objects:
//   - moor.yaml        moor's manifest (services and containers in one file);
//   - stack.yml        the Swarm part, for `docker stack deploy`;
//   - compose.yml      the container part, for docker-compose 1.29.
// The Swarm part: 2 overlay networks, 2 secrets, 2 configs (from files), N services on the local
// image running `sleep`. The container part: 1 bridge network, 2 volumes, N/3 containers.
// Everything stops quickly (init for containers, a 1 s grace period for both), so removals do not
// wait the Engine's default 10 s each.
//
// A `Revision` changes one service's environment (`rev.env`), one container's environment
// (`rev.ctr`) or one config's content (`rev.config`): the mutations of the scenarios.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const IMAGE = 'moor/busybox:latest';

/** Which part of the project a run covers; peers need two tools for `all`. */
export type Part = 'swarm' | 'containers' | 'all';

export interface Revision {
  /** Value of REV in the first service's environment. */
  readonly env: number;
  /** Value of REV in the first container's environment. */
  readonly ctr: number;
  /** Revision written into the first config's content. */
  readonly config: number;
}

export const FIRST_REVISION: Revision = { env: 0, ctr: 0, config: 0 };

export interface ProjectShape {
  readonly services: number;
  readonly containers: number;
}

export function shapeOf(n: number): ProjectShape {
  return { services: n, containers: Math.floor(n / 3) };
}

const pad = (i: number): string => String(i).padStart(3, '0');
export const serviceName = (i: number): string => `s${pad(i)}`;
export const containerName = (i: number): string => `c${pad(i)}`;

/** The first service and container: the ones the scenarios change. */
export const CHANGED_SERVICE = serviceName(1);
export const CHANGED_CONTAINER = containerName(1);
export const CHANGED_CONFIG = 'cfg-a';

/** What service i uses: one overlay, and the first two services a secret and a config each. */
function serviceUses(i: number): { network: string; secret: string | null; config: string | null } {
  return {
    network: i % 2 === 1 ? 'ov-a' : 'ov-b',
    secret: i === 1 ? 'sec-a' : i === 2 ? 'sec-b' : null,
    config: i === 1 ? 'cfg-a' : i === 2 ? 'cfg-b' : null,
  };
}

export const configContent = (name: string, rev: Revision): string => `# ${name}\nrevision=${name === CHANGED_CONFIG ? rev.config : 0}\n`;
export const secretContent = (name: string): string => `bench-${name}-value\n`;
const serviceEnv = (i: number, rev: Revision): Record<string, string> => ({ INDEX: String(i), REV: String(i === 1 ? rev.env : 0) });
const containerEnv = (i: number, rev: Revision): Record<string, string> => ({ INDEX: String(i), REV: String(i === 1 ? rev.ctr : 0) });

const SLEEP = ['sleep', '2147483647'];
const GRACE = '1s';

function yamlEnv(env: Record<string, string>, indent: string): string {
  return Object.entries(env)
    .map(([k, v]) => `${indent}${k}: "${v}"`)
    .join('\n');
}

function lines(...parts: (string | false)[]): string {
  return `${parts.filter((p) => p !== false).join('\n')}\n`;
}

const SWARM_OBJECTS = [
  'secrets:', '  sec-a:', '    file: ./sec-a.txt', '  sec-b:', '    file: ./sec-b.txt',
  'configs:', '  cfg-a:', '    file: ./cfg-a.txt', '  cfg-b:', '    file: ./cfg-b.txt',
];

/** Service i; replicas are top-level in moor, under `deploy:` in a stack file. */
function serviceYaml(i: number, rev: Revision, format: 'moor' | 'stack'): string {
  const use = serviceUses(i);
  return lines(
    `  ${serviceName(i)}:`,
    `    image: ${IMAGE}`,
    `    command: ${JSON.stringify(SLEEP)}`,
    '    environment:',
    yamlEnv(serviceEnv(i, rev), '      '),
    `    networks: [${use.network}]`,
    use.secret !== null && `    secrets: [${use.secret}]`,
    use.config !== null && `    configs: [{source: ${use.config}, target: /etc/${use.config}.conf}]`,
    format === 'moor' ? '    replicas: 1' : '    deploy:\n      replicas: 1',
    `    stop_grace_period: ${GRACE}`,
  ).trimEnd();
}

/** Container i: the same text in moor's manifest and in the compose file. */
function containerYaml(i: number, rev: Revision): string {
  return lines(
    `  ${containerName(i)}:`,
    `    image: ${IMAGE}`,
    `    command: ${JSON.stringify(SLEEP)}`,
    '    environment:',
    yamlEnv(containerEnv(i, rev), '      '),
    '    networks: [br]',
    `    volumes: ["${i % 2 === 1 ? 'data-a' : 'data-b'}:/data"]`,
    '    init: true',
    `    stop_grace_period: ${GRACE}`,
  ).trimEnd();
}

const range = (n: number): number[] => Array.from({ length: n }, (_, k) => k + 1);

/** moor's manifest for `part` of the project. */
export function moorManifest(project: string, shape: ProjectShape, part: Part, rev: Revision): string {
  const swarm = part !== 'containers';
  const ctrs = part !== 'swarm';
  const out: string[] = [`project: ${project}`, 'networks:'];
  if (swarm) out.push('  ov-a:', '    driver: overlay', '  ov-b:', '    driver: overlay');
  if (ctrs) out.push('  br:', '    driver: bridge', 'volumes:', '  data-a: {}', '  data-b: {}');
  if (swarm) out.push(...SWARM_OBJECTS, 'services:', ...range(shape.services).map((i) => serviceYaml(i, rev, 'moor')));
  if (ctrs) out.push('containers:', ...range(shape.containers).map((i) => containerYaml(i, rev)));
  return `${out.join('\n')}\n`;
}

/** The Swarm part as a stack file for `docker stack deploy`. */
export function stackFile(shape: ProjectShape, rev: Revision): string {
  const out = ['version: "3.8"', 'networks:', '  ov-a:', '    driver: overlay', '  ov-b:', '    driver: overlay', ...SWARM_OBJECTS, 'services:'];
  out.push(...range(shape.services).map((i) => serviceYaml(i, rev, 'stack')));
  return `${out.join('\n')}\n`;
}

/** The container part as a compose file for docker-compose 1.29. */
export function composeFile(shape: ProjectShape, rev: Revision): string {
  const out = ['version: "2.4"', 'networks:', '  br:', '    driver: bridge', 'volumes:', '  data-a: {}', '  data-b: {}', 'services:'];
  out.push(...range(shape.containers).map((i) => containerYaml(i, rev)));
  return `${out.join('\n')}\n`;
}

export interface ProjectFiles {
  readonly dir: string;
  readonly moor: string;
  readonly stack: string;
  readonly compose: string;
}

/** Writes every format of the project, and the secret and config files, into `dir`. */
export function writeProject(dir: string, project: string, shape: ProjectShape, part: Part, rev: Revision): ProjectFiles {
  mkdirSync(dir, { recursive: true });
  const files: ProjectFiles = { dir, moor: path.join(dir, 'moor.yaml'), stack: path.join(dir, 'stack.yml'), compose: path.join(dir, 'compose.yml') };
  writeFileSync(files.moor, moorManifest(project, shape, part, rev));
  writeFileSync(files.stack, stackFile(shape, rev));
  writeFileSync(files.compose, composeFile(shape, rev));
  for (const name of ['sec-a', 'sec-b']) writeFileSync(path.join(dir, `${name}.txt`), secretContent(name));
  for (const name of ['cfg-a', 'cfg-b']) writeFileSync(path.join(dir, `${name}.txt`), configContent(name, rev));
  return files;
}

/** What the floor (raw API calls) needs to know to create the same objects: plain data. */
export interface FloorProject {
  readonly project: string;
  readonly part: Part;
  readonly image: string;
  readonly command: readonly string[];
  readonly graceNs: number;
  readonly networks: readonly { name: string; driver: 'overlay' | 'bridge' }[];
  readonly volumes: readonly string[];
  readonly secrets: readonly { name: string; content: string }[];
  readonly configs: readonly { name: string; content: string }[];
  readonly services: readonly { name: string; env: Record<string, string>; network: string; secret: string | null; config: string | null }[];
  readonly containers: readonly { name: string; env: Record<string, string>; network: string; volume: string }[];
}

export function floorProject(project: string, shape: ProjectShape, part: Part, rev: Revision): FloorProject {
  const swarm = part !== 'containers';
  const ctrs = part !== 'swarm';
  return {
    project,
    part,
    image: IMAGE,
    command: SLEEP,
    graceNs: 1e9,
    networks: [
      ...(swarm ? [{ name: 'ov-a', driver: 'overlay' as const }, { name: 'ov-b', driver: 'overlay' as const }] : []),
      ...(ctrs ? [{ name: 'br', driver: 'bridge' as const }] : []),
    ],
    volumes: ctrs ? ['data-a', 'data-b'] : [],
    secrets: swarm ? ['sec-a', 'sec-b'].map((name) => ({ name, content: secretContent(name) })) : [],
    configs: swarm ? ['cfg-a', 'cfg-b'].map((name) => ({ name, content: configContent(name, rev) })) : [],
    services: swarm ? range(shape.services).map((i) => ({ name: serviceName(i), env: serviceEnv(i, rev), ...serviceUses(i) })) : [],
    containers: ctrs
      ? range(shape.containers).map((i) => ({ name: containerName(i), env: containerEnv(i, rev), network: 'br', volume: i % 2 === 1 ? 'data-a' : 'data-b' }))
      : [],
  };
}
