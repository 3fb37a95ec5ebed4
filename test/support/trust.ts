// The trust tests' shared scenario: a project folder whose manifest moves from v1 to v2 with every
// kind of step (creates of each kind, a create-then-swap container replacement, a secret rotation,
// a service update, removals), moor run as a child process (so it can be SIGKILLed), and an
// inventory check that nothing owned leaked or was duplicated.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { EngineClient } from '../../src/engine/client.js';
import { observeProject } from '../../src/observe/observe.js';
import { MOOR_BIN, runMoor, type CliResult } from './cli.js';
import { connectTestEngine, createRunId } from './engine.js';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';
import { removeProject } from './project.js';

export interface TrustRun {
  /** A client straight to the real Engine (not through any proxy), for checks and clean-up. */
  readonly direct: EngineClient;
  /** A project name unique to the run; everything it owns is removed after the file's tests. */
  newProject(): string;
  /** A scenario folder (at v1) for a new project. */
  scenario(): ScenarioDir;
  /** A fault proxy in front of the real Engine, closed after the file's tests. */
  proxy(): Promise<FaultProxy>;
}

/** Registers the file's before/after hooks: connect; then close the proxies and remove every project. */
export function useTrustRun(prefix: string): TrustRun {
  let direct: EngineClient | undefined;
  const projects: string[] = [];
  const proxies: FaultProxy[] = [];
  before(async () => {
    direct = await connectTestEngine();
  });
  after(async () => {
    for (const p of proxies) await p.close();
    if (direct === undefined) return;
    for (const p of projects) await removeProject(direct, p).catch(() => undefined);
    await direct.close();
  });
  const newProject = (): string => {
    const project = `${prefix}${createRunId()}`;
    projects.push(project);
    return project;
  };
  return {
    get direct(): EngineClient {
      if (direct === undefined) throw new Error('not connected yet: use run.direct inside tests');
      return direct;
    },
    newProject,
    scenario: () => scenarioDir(newProject()),
    proxy: async () => {
      const p = await startFaultProxy();
      proxies.push(p);
      return p;
    },
  };
}

/** A secret value no output may ever contain, in any encoding. */
export const CANARY = 'CANARY-5e1f0a-trust-do-not-print';

/** A busybox that sleeps, stops at once, and the extra lines of its definition. */
const sleeper = (...extra: string[]): string =>
  ['    image: moor/busybox:latest', '    command: ["sleep", "3600"]', '    stop_grace_period: 1s', ...extra.map((l) => `    ${l}`)].join('\n');

const V1 = (project: string): string => `project: ${project}
networks:
  backend: { driver: overlay, attachable: true }
secrets:
  db_pw: { file: ./db_pw.txt }
containers:
  db:
${sleeper('init: true', 'environment: { V: "1" }', 'networks: [backend]')}
  tool:
${sleeper('init: true')}
services:
  api:
${sleeper('networks: [backend]', 'secrets: [db_pw]')}
`;

// From v1: a network, a volume, a secret version, a config, a container and a service created; the
// db container replaced (create-then-swap: it gains an env change and a volume); the api service
// updated (new secret version, a config); the tool container and the default network removed.
const V2 = (project: string): string => `project: ${project}
networks:
  backend: { driver: overlay, attachable: true }
  front: {}
volumes:
  data: {}
secrets:
  db_pw: { file: ./db_pw.txt }
configs:
  motd: { content: "hello\\n" }
containers:
  db:
${sleeper('init: true', 'environment: { V: "2" }', 'networks: [backend]', 'volumes: ["data:/data"]')}
  web:
${sleeper('init: true', 'networks: [front]')}
services:
  api:
${sleeper('networks: [backend]', 'secrets: [db_pw]', 'configs: [{ source: motd, target: /etc/motd }]')}
  worker:
${sleeper('networks: [backend]')}
`;

export interface ScenarioDir {
  readonly dir: string;
  readonly project: string;
  /** Switches the folder to the manifest version (and the secret content that goes with it). */
  use(version: 1 | 2): void;
}

/** A project folder with moor.yaml at v1 (the secret holds the canary). */
export function scenarioDir(project: string): ScenarioDir {
  const dir = mkdtempSync(join(tmpdir(), 'moor-trust-'));
  const use = (version: 1 | 2): void => {
    writeFileSync(join(dir, 'moor.yaml'), version === 1 ? V1(project) : V2(project));
    writeFileSync(join(dir, 'db_pw.txt'), `${CANARY}-v${version}`, { mode: 0o600 });
  };
  use(1);
  return { dir, project, use };
}

export type MoorResult = CliResult & { readonly signal: NodeJS.Signals | null; readonly ms: number };

export interface MoorChild {
  readonly child: ChildProcess;
  readonly done: Promise<MoorResult>;
}

/** Starts bin/moor in `dir` (stdin closed: never interactive), with its own lock folder. */
export function startMoor(dir: string, args: readonly string[], env: Record<string, string> = {}): MoorChild {
  const started = Date.now();
  const child = spawn(MOOR_BIN, [...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', MOOR_LOCK_DIR: join(dir, '.locks'), NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 180_000,
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<MoorResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? -1, signal, stdout, stderr, ms: Date.now() - started }));
  });
  return { child, done };
}

/** Runs moor in-process (main() with captured output), in `dir`, with the folder's lock folder. */
export async function moorIn(dir: string, args: readonly string[], env: Record<string, string> = {}): Promise<CliResult & { ms: number }> {
  const started = Date.now();
  const r = await runMoor(args, { cwd: dir, env: { MOOR_LOCK_DIR: join(dir, '.locks'), NO_COLOR: '1', ...env } });
  return { ...r, ms: Date.now() - started };
}

export const outputOf = (r: CliResult): string => `--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

const EXPECTED = {
  1: { containers: ['db', 'tool'], networks: ['backend', 'default'], volumes: [], services: ['api'], configs: 0 },
  2: { containers: ['db', 'web'], networks: ['backend', 'front'], volumes: ['data'], services: ['api', 'worker'], configs: 1 },
} as const;

/**
 * The state of manifest `version`, exactly: the owned objects are the manifest's, each once; no
 * object without the project's label carries one of its names; every secret and config version
 * left is the one a service uses or its rollback target (no orphaned version); containers run.
 */
export async function assertConverged(engine: EngineClient, project: string, version: 1 | 2): Promise<void> {
  const want = EXPECTED[version];
  const observed = await observeProject(engine, project);
  const names = (list: readonly { engineName: string }[]): string[] => list.map((o) => o.engineName).sort();
  const p = (list: readonly string[]): string[] => list.map((n) => `${project}_${n}`);
  assert.deepEqual(names(observed.containers), p(want.containers), 'containers: exactly the manifest\'s (no temporary or leftover one)');
  for (const c of observed.containers) assert.equal(c.state.status, 'running', `${c.engineName} runs`);
  assert.deepEqual(names(observed.networks), p(want.networks), 'networks: exactly the manifest\'s, once each');
  assert.deepEqual(names(observed.volumes), p(want.volumes));
  assert.deepEqual(names(observed.services), p(want.services));

  const api = observed.services.find((s) => s.engineName === `${project}_api`);
  assert.ok(api !== undefined);
  const used = new Set([...api.spec.secrets.map((s) => s.source), ...api.previousSpecRefs.secrets]);
  for (const s of observed.secrets) assert.ok(used.has(s.engineName), `secret version ${s.engineName} is used by the service or its rollback target (not orphaned)`);
  assert.ok(observed.secrets.length >= 1 && observed.secrets.length <= version, `the current secret version, and the rollback target's after a rotation: ${names(observed.secrets).join(', ')}`);
  const usedConfigs = new Set([...api.spec.configs.map((c) => c.source), ...api.previousSpecRefs.configs]);
  for (const c of observed.configs) assert.ok(usedConfigs.has(c.engineName), `config version ${c.engineName} is used (not orphaned)`);
  assert.equal(observed.configs.length, want.configs);

  // Nothing unlabelled under the project's names (a create that lost its labels, a half-made copy).
  // Swarm's task containers (<service>.<slot>.<task id>) carry Swarm's labels, not moor's: skipped.
  const tasks = new Set((await engine.containers.list({ all: true, filters: { label: ['com.docker.swarm.task.id'] } })).map((c) => c.Id));
  for (const [kind, map] of Object.entries(observed.unowned)) {
    for (const [name, o] of map) {
      if (kind === 'container' && tasks.has(o.id)) continue;
      assert.ok(!name.startsWith(`${project}_`) && !name.includes(`_${project}_`), `an unowned ${kind} ${name} carries the project's name`);
    }
  }
}
