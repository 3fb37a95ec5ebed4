// Compose files on the real Engine, through the CLI as a user runs it: one read --as containers
// (docker compose up semantics), one --as services (docker stack deploy semantics). Each is
// applied, re-applied with no change (the plan is empty), then changed and converged.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runMoor, type CliResult } from '../support/cli.js';
import { useProject } from '../support/project.js';

const run = useProject('cmp');
const moor = (dir: string, ...args: string[]) => runMoor(args, { cwd: dir, env: { MOOR_LOCK_DIR: join(dir, '.locks') } });
const all = (r: CliResult): string => `${r.stdout}\n${r.stderr}`;

/** The parts of the Engine's answers these tests read. */
interface Container {
  State: { StartedAt: string; Health?: { Log: { ExitCode: number; End: string }[] } };
  Mounts: { Destination: string; Type: string; RW: boolean }[];
  NetworkSettings: { Networks: Record<string, { Aliases?: string[] }> };
  HostConfig: { Memory?: number };
  Config: { Env?: string[] };
}
interface FileRef {
  File?: { Name?: string };
  ConfigName?: string;
  ConfigID?: string;
}
interface ServiceSpec {
  Mode: { Replicated?: { Replicas?: number } };
  Labels?: Record<string, string>;
  UpdateConfig?: { Order?: string; Parallelism?: number };
  TaskTemplate: {
    ContainerSpec?: { Labels?: Record<string, string>; Secrets?: FileRef[]; Configs?: FileRef[] };
    RestartPolicy?: { Condition?: string; MaxAttempts?: number };
    Resources?: { Limits?: { MemoryBytes?: number } };
    Placement?: { Constraints?: string[] };
  };
}

const container = async (name: string): Promise<Container> => (await run.engine.containers.inspect(name)) as unknown as Container;
const service = async (name: string): Promise<ServiceSpec> => (await run.engine.services.inspect(name)).Spec as unknown as ServiceSpec;

function projectDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'moor-compose-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** web + db gated on health, a worker pool (deploy.replicas), a file secret, a named volume. */
function upFile(project: string, o: { mode: string; workers: number }): string {
  return `name: ${project}
services:
  db:
    image: moor/busybox:latest
    init: true
    command: ["sh", "-c", "sleep 1; touch /tmp/ready; exec sleep 3600"]
    volumes: [data:/data]
    secrets: [db_pw]
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
      interval: 1s
      retries: 30
  web:
    image: moor/busybox:latest
    init: true
    command: httpd -f -p 8080
    stop_grace_period: 2s
    environment:
      MODE: ${o.mode}
    depends_on:
      db: { condition: service_healthy }
    restart: unless-stopped
  worker:
    image: moor/busybox:latest
    init: true
    command: ["sleep", "3600"]
    depends_on: [db]
    deploy:
      replicas: ${o.workers}
      resources: { limits: { memory: 32M } }
volumes:
  data: {}
secrets:
  db_pw: { file: ./db_pw.txt }
`;
}

describe('a Compose file --as containers', () => {
  test('is applied with compose up semantics, re-applied with an empty plan, then changed and converged', async () => {
    const project = run.newProject();
    const dir = projectDir({ 'compose.yaml': upFile(project, { mode: 'one', workers: 2 }), 'db_pw.txt': 'pw-1' });

    const planned = await moor(dir, 'plan');
    assert.equal(planned.code, 0, all(planned));
    assert.match(planned.stdout, /^Read compose\.yaml as Compose \(--as containers: each Compose service becomes plain containers, as with docker compose up\); project \S+ \(from name:\)\.\n\nPlan for project/);

    const applied = await moor(dir, 'apply', '--yes');
    assert.equal(applied.code, 0, all(applied));
    assert.match(applied.stdout, new RegExp(`ok +wait for container ${project}_db to be healthy`));
    const names = (await run.engine.containers.list({ all: true, filters: { label: [`io.moor.project=${project}`] } })).flatMap((c) => c.Names).sort();
    assert.deepEqual(names, [`/${project}_db`, `/${project}_web`, `/${project}_worker_1`, `/${project}_worker_2`]);

    // The web container started only once db was healthy.
    const db = await container(`${project}_db`);
    const web = await container(`${project}_web`);
    const healthy = (db.State.Health?.Log ?? []).find((l) => l.ExitCode === 0);
    assert.ok(healthy !== undefined, 'db has a passing health check');
    assert.ok(Date.parse(web.State.StartedAt) >= Date.parse(healthy.End), `web started ${web.State.StartedAt}, db healthy at ${healthy.End}`);
    // The secret is a read-only bind mount of its file, where Compose puts it.
    const secret = db.Mounts.find((m) => m.Destination === '/run/secrets/db_pw');
    assert.equal(secret?.Type, 'bind');
    assert.equal(secret?.RW, false);
    // Replicas answer to the service name on the project network.
    const worker = await container(`${project}_worker_2`);
    assert.deepEqual(worker.NetworkSettings.Networks[`${project}_default`]?.Aliases?.filter((a) => !/^[0-9a-f]{12}$/.test(a)).sort(), ['worker', 'worker_2']);
    assert.equal(worker.HostConfig.Memory, 32 * 1024 * 1024);

    const again = await moor(dir, 'plan', '--detailed-exitcode');
    assert.equal(again.code, 0, all(again));
    assert.match(again.stdout, /No changes: the Engine matches the manifest/);

    writeFileSync(join(dir, 'compose.yaml'), upFile(project, { mode: 'two', workers: 3 }));
    const changed = await moor(dir, 'plan', '--detailed-exitcode');
    assert.equal(changed.code, 2, all(changed));
    assert.match(changed.stdout, /-\/\+ container web .*\n\s+environment\.MODE: "one" -> "two"/);
    assert.match(changed.stdout, /\+ container worker_3/);
    const converged = await moor(dir, 'apply', '--yes');
    assert.equal(converged.code, 0, all(converged));
    assert.equal((await container(`${project}_web`)).Config.Env?.includes('MODE=two'), true);
    assert.equal((await moor(dir, 'plan', '--detailed-exitcode')).code, 0);

    const destroyed = await moor(dir, 'destroy', '-p', project, '--yes');
    assert.equal(destroyed.code, 0, all(destroyed));
  });
});

/** A stack: deploy: section, a file secret, an inline config, an overlay network. */
function stackFile(project: string, o: { greeting: string; replicas: number }): string {
  return `name: ${project}
services:
  api:
    image: moor/busybox:latest
    command: ["sleep", "3600"]
    init: true
    stop_grace_period: 1s
    labels: { com.example.component: api }
    networks: [backend]
    secrets: [db_pw]
    configs: [{ source: motd, target: /etc/motd }]
    deploy:
      replicas: ${o.replicas}
      labels: { com.example.team: core }
      update_config: { parallelism: 2, order: start-first }
      restart_policy: { condition: on-failure, max_attempts: 3 }
      resources: { limits: { memory: 64M } }
      placement: { constraints: [node.role == manager] }
secrets:
  db_pw: { file: ./db_pw.txt }
configs:
  motd: { content: "${o.greeting}, \${COMPOSE_PROJECT_NAME}" }
networks:
  backend: {}
`;
}

describe('a Compose file --as services', () => {
  test('is applied with stack deploy semantics (from a saved plan), re-applied with an empty plan, then changed (config rotated) and converged', async () => {
    const project = run.newProject();
    const dir = projectDir({ 'compose.yaml': stackFile(project, { greeting: 'hello', replicas: 2 }), 'db_pw.txt': 'pw-1' });

    // A saved plan remembers the reading: apply --plan needs no --as again.
    const saved = await moor(dir, 'plan', '--as', 'services', '--out', join(dir, 'plan.json'));
    assert.equal(saved.code, 0, all(saved));
    assert.match(saved.stdout, /^Read compose\.yaml as Compose \(--as services: each Compose service becomes a Swarm service, as with docker stack deploy\)/);
    const applied = await moor(dir, 'apply', '--plan', join(dir, 'plan.json'));
    assert.equal(applied.code, 0, all(applied));
    const spec = await service(`${project}_api`);
    assert.equal(spec.Mode.Replicated?.Replicas, 2);
    assert.equal(spec.Labels?.['com.example.team'], 'core');
    assert.equal(spec.TaskTemplate.ContainerSpec?.Labels?.['com.example.component'], 'api');
    assert.equal(spec.UpdateConfig?.Order, 'start-first');
    assert.equal(spec.UpdateConfig?.Parallelism, 2);
    assert.equal(spec.TaskTemplate.RestartPolicy?.Condition, 'on-failure');
    assert.equal(spec.TaskTemplate.RestartPolicy?.MaxAttempts, 3);
    assert.equal(spec.TaskTemplate.Resources?.Limits?.MemoryBytes, 64 * 1024 * 1024);
    assert.deepEqual(spec.TaskTemplate.Placement?.Constraints, ['node.role == manager']);
    assert.equal(spec.TaskTemplate.ContainerSpec?.Secrets?.[0]?.File?.Name, 'db_pw');
    const firstConfig = spec.TaskTemplate.ContainerSpec?.Configs?.[0];
    assert.equal(firstConfig?.File?.Name, '/etc/motd');
    const network = await run.engine.networks.inspect(`${project}_backend`);
    assert.equal(network.Driver, 'overlay');

    const again = await moor(dir, 'plan', '--detailed-exitcode', '--as', 'services');
    assert.equal(again.code, 0, all(again));

    writeFileSync(join(dir, 'compose.yaml'), stackFile(project, { greeting: 'bonjour', replicas: 3 }));
    const changed = await moor(dir, 'plan', '--detailed-exitcode', '--as', 'services');
    assert.equal(changed.code, 2, all(changed));
    assert.match(changed.stdout, /-\/\+ config motd/);
    assert.match(changed.stdout, /~ service api .*\n(.*\n)*\s+replicas: 2 -> 3/);
    const converged = await moor(dir, 'apply', '--yes', '--as', 'services');
    assert.equal(converged.code, 0, all(converged));
    const after = await service(`${project}_api`);
    assert.equal(after.Mode.Replicated?.Replicas, 3);
    const rotated = after.TaskTemplate.ContainerSpec?.Configs?.[0];
    assert.notEqual(rotated?.ConfigName, firstConfig?.ConfigName, 'the service moved to the new config version');
    assert.equal(Buffer.from((await run.engine.configs.inspect(rotated?.ConfigID ?? '')).Spec.Data ?? '', 'base64').toString(), `bonjour, ${project}`);
    assert.equal((await moor(dir, 'plan', '--detailed-exitcode', '--as', 'services')).code, 0);

    const destroyed = await moor(dir, 'destroy', '-p', project, '--yes');
    assert.equal(destroyed.code, 0, all(destroyed));
  });
});
