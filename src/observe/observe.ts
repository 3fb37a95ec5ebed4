// observeProject: the only bulk read of the Engine. Everything the planner needs, in as few round
// trips as the API allows, then no further Engine call until apply:
//   1. concurrently: one unfiltered list per kind of the local Engine (networks, volumes,
//      containers, images), and /info (is this a Swarm manager?), then on a manager the lists of
//      services, secrets and configs. Unfiltered, because names held by objects moor does not own
//      are conflicts the plan must report, and what those objects use (the project's volumes,
//      secrets and configs, host ports: the lists' Mounts, Ports and specs say) would make the
//      apply fail half-way. Step 1 needs no project: `moor plan` runs it while it
//      reads the manifest (listEngine).
//   2. concurrently: an inspect of each owned container (restart policy, resources, networks are
//      not in the list) and of each owned local network (its attached containers).
// A no-op plan of a 30-service, 10-container project costs about 20 requests, 2 round trips deep.
//
// Must not: write anything; interpret the manifest (it takes only the project name).
import type { EngineClient } from '../engine/client.js';
import type { Config, ContainerSummary, ImageSummary, Labels, Network, Secret, Service, Volume } from '../engine/types.js';
import {
  foreignUse,
  observeConfig,
  observeContainer,
  observeNetwork,
  observeSecret,
  observeService,
  observeVolume,
} from '../convert/from-engine.js';
import { imageKey } from '../model/images.js';
import { LABEL_PROJECT, isOwnedBy } from '../model/labels.js';
import type { EngineFacts, ObservedProject, UnownedObject } from '../model/observed.js';

export interface ObserveOptions {
  readonly signal?: AbortSignal;
  /** How many inspects may be in flight at once. */
  readonly concurrency?: number;
  /** Step 1, taken already (see listEngine). */
  readonly listing?: EngineListing;
}

/** Runs `fn` over `items`, at most `limit` at a time, keeping order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function unownedEntry(id: string, engineName: string, labels: Labels | null | undefined): [string, UnownedObject] {
  return [engineName, { id, engineName, ownerProject: labels?.[LABEL_PROJECT] ?? null }];
}

/**
 * Step 1, which needs no project: the Engine's facts and one list per kind. `moor plan` takes it
 * while the manifest is still being read (a listing taken earlier is as good as one taken now: an
 * observation is a snapshot either way).
 */
export interface EngineListing {
  readonly engine: EngineFacts;
  readonly networks: readonly Network[];
  readonly volumes: { readonly volumes: readonly Volume[] };
  readonly containers: readonly ContainerSummary[];
  readonly images: readonly ImageSummary[];
  readonly services: readonly Service[];
  readonly secrets: readonly Secret[];
  readonly configs: readonly Config[];
}

export async function listEngine(engine: EngineClient, options: { readonly signal?: AbortSignal | undefined } = {}): Promise<EngineListing> {
  const listOpts = options.signal === undefined ? {} : { signal: options.signal };
  const swarmLists = async () => {
    const info = await engine.system.info(listOpts);
    const swarmState = info.Swarm?.LocalNodeState ?? 'inactive';
    const swarmManager = swarmState === 'active' && info.Swarm?.ControlAvailable === true;
    const [services, secrets, configs] = await Promise.all([
      swarmManager ? engine.services.list(listOpts) : Promise.resolve([]),
      swarmManager ? engine.secrets.list(listOpts) : Promise.resolve([]),
      swarmManager ? engine.configs.list(listOpts) : Promise.resolve([]),
    ]);
    return { info, swarmState, swarmManager, services, secrets, configs };
  };
  const [{ info, swarmState, swarmManager, services, secrets, configs }, networks, volumes, containers, images] = await Promise.all([
    swarmLists(),
    engine.networks.list(listOpts),
    engine.volumes.list(listOpts),
    engine.containers.list({ ...listOpts, all: true }),
    engine.images.list(listOpts),
  ]);
  return {
    engine: { apiVersion: engine.apiVersion, engineVersion: info.ServerVersion ?? 'unknown', swarm: swarmState, swarmManager },
    networks,
    volumes,
    containers,
    images,
    services,
    secrets,
    configs,
  };
}

/** Steps 1 (unless `listing` is given) and 2. */
export async function observeProject(engine: EngineClient, project: string, options: ObserveOptions = {}): Promise<ObservedProject> {
  const signal = options.signal;
  const limit = options.concurrency ?? 8;
  const listOpts = signal === undefined ? {} : { signal };
  const { engine: engineFacts, networks, volumes, containers, images, services, secrets, configs } = options.listing ?? (await listEngine(engine, listOpts));

  const ownedContainers = containers.filter((c) => isOwnedBy(c.Labels, project));
  const ownedNetworks = networks.filter((n) => isOwnedBy(n.Labels, project));
  const [containerInspects, networkInspects] = await Promise.all([
    mapLimit(ownedContainers, limit, (c) => engine.containers.inspect(c.Id, listOpts)),
    // Only local networks list their containers; the list endpoint leaves them out.
    mapLimit(ownedNetworks, limit, (n) => (n.Scope === 'local' ? engine.networks.inspect(n.Id, listOpts) : Promise.resolve(n))),
  ]);

  const networkNames = new Map(networks.map((n) => [n.Id, n.Name]));
  const imageIds = new Map<string, string>();
  for (const image of images) {
    for (const tag of image.RepoTags ?? []) if (tag !== '<none>:<none>') imageIds.set(imageKey(tag), image.Id);
    imageIds.set(image.Id, image.Id);
  }

  const unowned = <T>(list: readonly T[], id: (o: T) => string, name: (o: T) => string, labels: (o: T) => Labels | null | undefined) =>
    new Map(list.filter((o) => !isOwnedBy(labels(o), project)).map((o) => unownedEntry(id(o), name(o), labels(o))));

  const ownedSecrets = secrets.filter((o) => isOwnedBy(o.Spec.Labels, project));
  const ownedConfigs = configs.filter((o) => isOwnedBy(o.Spec.Labels, project));
  const ownedVolumes = volumes.volumes.filter((v) => isOwnedBy(v.Labels, project));
  const ownedServices = services.filter((o) => isOwnedBy(o.Spec.Labels, project));
  return {
    project,
    engine: engineFacts,
    networks: networkInspects.map((n) => observeNetwork(n, Object.keys(n.Containers ?? {}))),
    volumes: ownedVolumes.map(observeVolume),
    secrets: ownedSecrets.map(observeSecret),
    configs: ownedConfigs.map(observeConfig),
    containers: containerInspects.map(observeContainer),
    services: ownedServices.map((s) => observeService(s, networkNames)),
    unowned: {
      network: unowned(networks, (n) => n.Id, (n) => n.Name, (n) => n.Labels),
      volume: unowned(volumes.volumes, (v) => v.Name, (v) => v.Name, (v) => v.Labels),
      secret: unowned(secrets, (s) => s.ID, (s) => s.Spec.Name, (s) => s.Spec.Labels),
      config: unowned(configs, (c) => c.ID, (c) => c.Spec.Name, (c) => c.Spec.Labels),
      container: unowned(containers, (c) => c.Id, (c) => (c.Names[0] ?? c.Id).replace(/^\//, ''), (c) => c.Labels),
      service: unowned(services, (s) => s.ID, (s) => s.Spec.Name ?? s.ID, (s) => s.Spec.Labels),
    },
    adoptable: services.filter((s) => s.Spec.Labels?.[LABEL_PROJECT] === undefined && (s.Spec.Name ?? '').startsWith(`${project}_`)).map((s) => observeService(s, networkNames)),
    images: imageIds,
    foreign: foreignUse(project, containers, services, {
      serviceIds: new Set(ownedServices.map((o) => o.ID)),
      networks: new Set(ownedNetworks.map((n) => n.Id)),
      volumes: new Set(ownedVolumes.map((v) => v.Name)),
      secrets: new Set(ownedSecrets.map((o) => o.Spec.Name)),
      configs: new Set(ownedConfigs.map((o) => o.Spec.Name)),
    }),
  };
}
