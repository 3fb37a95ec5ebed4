// The floor: each scenario done with the fewest Engine requests the work needs, by a program that
// already knows what to do (no manifest, no diff, no plan), using moor's own Engine client. Run as
// its own Node process, like the tools, so its time is bare Node start-up + the client + the
// round trips:
//   node floor.mjs SCENARIO PROJECT.json
// Independent requests go out concurrently (at most 8 at a time), as the dependency graph allows.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { CLI_V8_FLAGS } from '../src/cli/launch.js';
import { EngineClient, isEngineError } from '../src/engine/index.js';
import type { ContainerCreateSpec, ServiceSpec } from '../src/engine/index.js';
import type { FloorProject } from './generate.js';

export const FLOOR_LABEL = 'io.moor.bench.floor';

// bin/moor's V8 flags (src/cli/launch.ts): e.g. the client's HTTP parser compiled by V8's baseline
// compiler alone. Without them the floor would pay ~90 ms moor does not, and flatter moor.
setFlagsFromString(CLI_V8_FLAGS);

type Scenario = 'apply-first' | 'apply-noop' | 'plan-noop' | 'change-env' | 'change-ctr' | 'change-config' | 'destroy';

async function mapLimit<T>(items: readonly T[], fn: (item: T) => Promise<unknown>, limit = 8): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

const engineName = (p: FloorProject, name: string): string => `${p.project}_${name}`;
const configName = (p: FloorProject, name: string, content: string): string => `${p.project}_${name}_${createHash('sha256').update(content).digest('hex').slice(0, 8)}`;
const env = (e: Record<string, string>): string[] => Object.entries(e).map(([k, v]) => `${k}=${v}`);

function containerSpec(p: FloorProject, c: FloorProject['containers'][number], labels: Record<string, string>): ContainerCreateSpec {
  return {
    Image: p.image,
    Cmd: [...p.command],
    Env: env(c.env),
    Labels: labels,
    StopTimeout: p.graceNs / 1e9,
    HostConfig: { Init: true, Mounts: [{ Type: 'volume', Source: engineName(p, c.volume), Target: '/data' }], NetworkMode: engineName(p, c.network) },
    NetworkingConfig: { EndpointsConfig: { [engineName(p, c.network)]: { Aliases: [c.name] } } },
  };
}

async function applyFirst(engine: EngineClient, p: FloorProject): Promise<void> {
  const labels = { [FLOOR_LABEL]: p.project };
  const networkIds = new Map<string, string>();
  const secretIds = new Map<string, string>();
  const configIds = new Map<string, string>();
  const configNames = new Map<string, string>();
  await Promise.all([
    ...p.networks.map(async (n) => {
      const { id } = await engine.networks.create({ Name: engineName(p, n.name), Driver: n.driver, Labels: labels });
      networkIds.set(n.name, id);
    }),
    ...p.volumes.map((v) => engine.volumes.create({ Name: engineName(p, v), Labels: labels })),
    ...p.secrets.map(async (s) => {
      const { id } = await engine.secrets.create({ Name: engineName(p, s.name), Labels: labels, Data: Buffer.from(s.content).toString('base64') });
      secretIds.set(s.name, id);
    }),
    ...p.configs.map(async (c) => {
      const name = configName(p, c.name, c.content);
      const { id } = await engine.configs.create({ Name: name, Labels: labels, Data: Buffer.from(c.content).toString('base64') });
      configIds.set(c.name, id);
      configNames.set(c.name, name);
    }),
  ]);
  // Containers first, then the services: a service create returns at once and leaves the Engine
  // starting its task, which would slow the container starts down (moor's order, schedule.ts).
  await mapLimit(p.containers, async (c) => {
    const { id } = await engine.containers.create(containerSpec(p, c, labels), { name: engineName(p, c.name) });
    await engine.containers.start(id);
  });
  await mapLimit(p.services, async (s) => {
    const spec: ServiceSpec = {
      Name: engineName(p, s.name),
      Labels: labels,
      TaskTemplate: {
        ContainerSpec: {
          Image: p.image,
          Command: [...p.command],
          Env: env(s.env),
          StopGracePeriod: p.graceNs,
          Secrets: s.secret === null ? [] : [{ SecretID: secretIds.get(s.secret), SecretName: engineName(p, s.secret), File: { Name: s.secret, UID: '0', GID: '0', Mode: 0o444 } }],
          Configs: s.config === null ? [] : [{ ConfigID: configIds.get(s.config), ConfigName: configNames.get(s.config), File: { Name: `/etc/${s.config}.conf`, UID: '0', GID: '0', Mode: 0o444 } }],
        },
        Networks: [{ Target: networkIds.get(s.network), Aliases: [s.name] }],
      },
      Mode: { Replicated: { Replicas: 1 } },
    };
    await engine.services.create(spec);
  });
}

/** The reads a plan needs: every kind the project uses, and each container's full configuration. */
async function readState(engine: EngineClient, p: FloorProject): Promise<void> {
  const filters = { label: `${FLOOR_LABEL}=${p.project}` };
  const swarm = p.part !== 'containers';
  const ctrs = p.part !== 'swarm';
  const [, , containers] = await Promise.all([
    engine.networks.list({ filters }),
    engine.images.list(),
    ctrs ? engine.containers.list({ filters, all: true }) : Promise.resolve([]),
    ctrs ? engine.volumes.list({ filters }) : null,
    swarm ? engine.services.list({ filters }) : null,
    swarm ? engine.secrets.list({ filters }) : null,
    swarm ? engine.configs.list({ filters }) : null,
  ]);
  await mapLimit(containers, (c) => engine.containers.inspect(c.Id));
}

async function changeService(engine: EngineClient, p: FloorProject, what: 'env' | 'config'): Promise<void> {
  const target = p.services[0];
  if (target === undefined) throw new Error('no service to change');
  let newConfig: { id: string; name: string } | null = null;
  const [service] = await Promise.all([
    engine.services.inspect(engineName(p, target.name)),
    (async () => {
      if (what !== 'config' || target.config === null) return;
      const content = p.configs.find((c) => c.name === target.config)?.content ?? '';
      const name = configName(p, target.config, content);
      const { id } = await engine.configs.create({ Name: name, Labels: { [FLOOR_LABEL]: p.project }, Data: Buffer.from(content).toString('base64') });
      newConfig = { id, name };
    })(),
  ]);
  const spec = service.Spec;
  const cs = spec.TaskTemplate.ContainerSpec ?? {};
  const configs = (cs['Configs'] as { ConfigID: string; ConfigName: string }[] | undefined) ?? [];
  const replaced = newConfig as { id: string; name: string } | null;
  const containerSpec = {
    ...cs,
    Env: what === 'env' ? env(target.env) : (cs.Env ?? []),
    Configs: replaced === null ? configs : configs.map((c) => ({ ...c, ConfigID: replaced.id, ConfigName: replaced.name })),
  };
  await engine.services.update(service.ID, service.Version.Index, { ...spec, TaskTemplate: { ...spec.TaskTemplate, ContainerSpec: containerSpec } });
}

async function changeContainer(engine: EngineClient, p: FloorProject): Promise<void> {
  const target = p.containers[0];
  if (target === undefined) throw new Error('no container to change');
  const name = engineName(p, target.name);
  await engine.containers.remove(name, { force: true });
  const { id } = await engine.containers.create(containerSpec(p, target, { [FLOOR_LABEL]: p.project }), { name });
  await engine.containers.start(id);
}

async function destroy(engine: EngineClient, p: FloorProject): Promise<void> {
  const filters = { label: `${FLOOR_LABEL}=${p.project}` };
  const [services, containers, networks, secrets, configs] = await Promise.all([
    p.part !== 'containers' ? engine.services.list({ filters }) : [],
    p.part !== 'swarm' ? engine.containers.list({ filters, all: true }) : [],
    engine.networks.list({ filters }),
    p.part !== 'containers' ? engine.secrets.list({ filters }) : [],
    p.part !== 'containers' ? engine.configs.list({ filters }) : [],
  ]);
  await mapLimit([...services.map((s) => () => engine.services.remove(s.ID)), ...containers.map((c) => () => engine.containers.remove(c.Id, { force: true }))], (f) => f());
  const removeRetrying = async (remove: () => Promise<void>): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await remove();
      } catch (err: unknown) {
        // A network stays in use until the removed services' tasks are gone.
        if (!isEngineError(err) || err.kind !== 'in-use' || attempt > 100) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  await mapLimit(
    [...secrets.map((s) => () => engine.secrets.remove(s.ID)), ...configs.map((c) => () => engine.configs.remove(c.ID)), ...networks.map((n) => () => engine.networks.remove(n.Id))],
    (f) => removeRetrying(f),
  );
}

async function main(): Promise<void> {
  const [scenario, file] = process.argv.slice(2) as [Scenario, string];
  const project = JSON.parse(readFileSync(file, 'utf8')) as FloorProject;
  const engine = await EngineClient.connect();
  try {
    switch (scenario) {
      case 'apply-first':
        return await applyFirst(engine, project);
      case 'apply-noop':
      case 'plan-noop':
        return await readState(engine, project);
      case 'change-env':
        return await changeService(engine, project, 'env');
      case 'change-config':
        return await changeService(engine, project, 'config');
      case 'change-ctr':
        return await changeContainer(engine, project);
      case 'destroy':
        return await destroy(engine, project);
      default:
        throw new Error(`unknown scenario ${String(scenario)}`);
    }
  } finally {
    await engine.close();
  }
}

await main().catch((err: unknown) => {
  process.stderr.write(`floor: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
