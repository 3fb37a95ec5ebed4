// What the harness reads of the Engine itself, outside the timed commands: whether a tool's work
// has converged (every task and container running, or everything gone), and clean-up. Every
// object a benchmark creates has a name starting with its run's unique prefix; nothing else is
// ever touched.
import { setTimeout as sleep } from 'node:timers/promises';
import type { EngineClient } from '../src/engine/index.js';

export interface Expectation {
  /** Engine name prefix of the tool's objects, e.g. `bk3x9m30_` */
  readonly prefix: string;
  readonly services: number;
  readonly containers: number;
  /** A service whose running task must carry this environment entry, e.g. `REV=3`. */
  readonly serviceEnv?: { readonly service: string; readonly entry: string };
  /** A service whose running task must use the configs its spec names now. */
  readonly serviceConfigs?: { readonly service: string };
  /** A container whose environment must hold this entry. */
  readonly containerEnv?: { readonly container: string; readonly entry: string };
}

const POLL_MS = 50;

async function servicesConverged(engine: EngineClient, e: Expectation): Promise<boolean> {
  if (e.services === 0) return true;
  const services = (await engine.services.list({ filters: { name: e.prefix } })).filter((s) => (s.Spec.Name ?? '').startsWith(e.prefix));
  if (services.length !== e.services) return false;
  if (!services.every((s) => s.ServiceStatus !== undefined && s.ServiceStatus.RunningTasks >= s.ServiceStatus.DesiredTasks && s.ServiceStatus.DesiredTasks > 0)) return false;
  const changed = e.serviceEnv?.service ?? e.serviceConfigs?.service;
  if (changed === undefined) return true;
  const service = services.find((s) => s.Spec.Name === changed);
  if (service === undefined) return false;
  const tasks = await engine.tasks.list({ filters: { service: service.ID, 'desired-state': 'running' } });
  const wantConfigs = JSON.stringify(configIds(service.Spec.TaskTemplate.ContainerSpec));
  return tasks.some(
    (t) =>
      t.Status.State === 'running' &&
      (e.serviceEnv === undefined || (t.Spec.ContainerSpec?.Env ?? []).includes(e.serviceEnv.entry)) &&
      (e.serviceConfigs === undefined || JSON.stringify(configIds(t.Spec.ContainerSpec)) === wantConfigs),
  );
}

function configIds(spec: Readonly<Record<string, unknown>> | undefined): string[] {
  const configs = (spec?.['Configs'] as { ConfigID?: string }[] | undefined) ?? [];
  return configs.map((c) => c.ConfigID ?? '').sort();
}

async function containersConverged(engine: EngineClient, e: Expectation): Promise<boolean> {
  if (e.containers === 0) return true;
  const all = await engine.containers.list({ all: true, filters: { name: e.prefix } });
  // Task containers of Swarm services are named <service>.<slot>.<task id>: not ours to count here.
  const mine = all.filter((c) => c.Labels?.['com.docker.swarm.service.id'] === undefined && (c.Names[0] ?? '').replace(/^\//, '').startsWith(e.prefix));
  if (mine.length !== e.containers || !mine.every((c) => c.State === 'running')) return false;
  if (e.containerEnv === undefined) return true;
  const target = mine.find((c) => (c.Names[0] ?? '').replace(/^\//, '').startsWith(`${e.prefix}${e.containerEnv?.container}`));
  if (target === undefined) return false;
  const inspect = await engine.containers.inspect(target.Id);
  return (inspect.Config.Env ?? []).includes(e.containerEnv.entry);
}

/** Polls until the expectation holds; returns false after `timeoutMs`. */
export async function waitConverged(engine: EngineClient, e: Expectation, timeoutMs = 120_000): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const [s, c] = await Promise.all([servicesConverged(engine, e), containersConverged(engine, e)]);
    if (s && c) return true;
    await sleep(POLL_MS);
  }
  return false;
}

/** What is left of a prefix on the Engine, by kind (volumes included). */
export async function leftovers(engine: EngineClient, prefix: string, withVolumes: boolean): Promise<Record<string, string[]>> {
  const starts = (name: string | undefined): boolean => (name ?? '').replace(/^\//, '').startsWith(prefix);
  const [services, containers, networks, secrets, configs, volumes] = await Promise.all([
    engine.services.list({ filters: { name: prefix } }),
    engine.containers.list({ all: true, filters: { name: prefix } }),
    engine.networks.list({ filters: { name: prefix } }),
    engine.secrets.list({ filters: { name: prefix } }),
    engine.configs.list({ filters: { name: prefix } }),
    withVolumes ? engine.volumes.list({ filters: { name: prefix } }) : Promise.resolve({ volumes: [] }),
  ]);
  const out: Record<string, string[]> = {
    service: services.filter((s) => starts(s.Spec.Name)).map((s) => s.ID),
    container: containers.filter((c) => starts(c.Names[0])).map((c) => c.Id),
    network: networks.filter((n) => starts(n.Name)).map((n) => n.Id),
    secret: secrets.filter((s) => starts(s.Spec.Name)).map((s) => s.ID),
    config: configs.filter((c) => starts(c.Spec.Name)).map((c) => c.ID),
    volume: volumes.volumes.filter((v) => starts(v.Name)).map((v) => v.Name),
  };
  return Object.fromEntries(Object.entries(out).filter(([, ids]) => ids.length > 0));
}

/** Polls until nothing of the prefix is left (volumes aside: tools keep them by default). */
export async function waitGone(engine: EngineClient, prefix: string, timeoutMs = 120_000): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (Object.keys(await leftovers(engine, prefix, false)).length === 0) return true;
    await sleep(POLL_MS);
  }
  return false;
}

/** Removes everything of the prefix, volumes included, and waits until it is gone. Never throws. */
export async function cleanUp(engine: EngineClient, prefix: string): Promise<void> {
  const quiet = async (f: () => Promise<unknown>): Promise<void> => {
    try {
      await f();
    } catch {
      // in use (yet), or already gone: the next pass retries
    }
  };
  for (let pass = 0; pass < 60; pass++) {
    let left: Record<string, string[]>;
    try {
      left = await leftovers(engine, prefix, true);
    } catch {
      await sleep(1000); // the Engine is away: try again
      continue;
    }
    if (Object.keys(left).length === 0) return;
    await Promise.all([...(left.service ?? []).map((id) => quiet(() => engine.services.remove(id))), ...(left.container ?? []).map((id) => quiet(() => engine.containers.remove(id, { force: true })))]);
    await Promise.all([
      ...(left.secret ?? []).map((id) => quiet(() => engine.secrets.remove(id))),
      ...(left.config ?? []).map((id) => quiet(() => engine.configs.remove(id))),
      ...(left.network ?? []).map((id) => quiet(() => engine.networks.remove(id))),
      ...(left.volume ?? []).map((id) => quiet(() => engine.volumes.remove(id))),
    ]);
    await sleep(pass < 10 ? 200 : 1000);
  }
}
