// The StepRunner that talks to the Engine: one function per step op. It makes no plan decisions;
// what it does beyond "send the call" is forced by the Engine's semantics:
//   - creates are never blindly retried (a timeout may hide a create that landed): on a timeout or
//     a name conflict it reads the object by name, and continues only if it is this project's and
//     was made from the same spec (research C4, B5);
//   - versioned updates of Swarm objects send the version they were planned from; on "update out
//     of sequence" they re-read, re-compare and retry a bounded number of times (research 1.1);
//   - removals that race with the Engine's own clean-up ("has active endpoints", "in use") are
//     retried with backoff for a short while (research C7).
import { unmanagedFields, withUnmanaged } from '../convert/unmanaged.js';
import { isEngineError } from '../engine/errors.js';
import type { EngineClient } from '../engine/client.js';
import type { ContainerCreateSpec, ContainerInspect, PullProgress } from '../engine/types.js';
import { observeService } from '../convert/from-engine.js';
import {
  configBody,
  containerBody,
  containerUpdateBody,
  endpointBody,
  networkBody,
  secretBody,
  serviceBody,
  versionedLabels,
  volumeBody,
  type Owner,
} from '../convert/to-engine.js';
import { deepEqual } from '../diff/fields.js';
import type { DesiredProject, ServiceSpec } from '../model/desired.js';
import { oldestFirst } from '../model/duplicates.js';
import { randomId, saltedFingerprint, sha256Hex, specHash } from '../model/hash.js';
import { LABEL_CONTENT, LABEL_NAME, LABEL_SPEC_HASH, SWARM_SERVICE_ID_LABEL, isOwnedBy } from '../model/labels.js';
import type { ObservedProject } from '../model/observed.js';
import { observeRuntime } from '../observe/runtime.js';
import type { WaitTarget } from '../operate/converge.js';
import { waitForConvergence } from '../operate/wait.js';
import { MoorError, assertNever } from '../errors.js';
import type { CarriedVolume, Step } from '../plan/steps.js';
import type { StepRunner } from './execute.js';
import type { RegistryAuthLookup } from './registry-auth.js';

export interface RunnerOptions {
  readonly engine: EngineClient;
  readonly desired: DesiredProject;
  readonly observed: ObservedProject;
  /** Attempts of a versioned update before giving up (each re-reads the object). */
  readonly updateAttempts?: number;
  /** How long a removal may keep failing with "in use" / "active endpoints". */
  readonly removeRetryMs?: number;
  /** How long a depends_on wait (healthy / completed) may take. */
  readonly waitTimeoutMs?: number;
  readonly onPullProgress?: (image: string, progress: PullProgress) => void;
  /** Credentials for an image's registry, sent with pulls and service writes. */
  readonly registryAuth?: RegistryAuthLookup;
  readonly sleep?: (ms: number) => Promise<void>;
  /**
   * When it fires (a shutdown that cannot wait any longer), a container stop in progress ends at
   * once: the container is killed rather than given the rest of its grace period.
   */
  readonly hurry?: AbortSignal;
}

/** A step failed for a reason the Engine did not report as an error: the report shows its message. */
export class StepError extends MoorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('APPLY_FAILED', message, options);
  }
}

/** `: <the last healthcheck's output>`, its first line, shortened; '' when there is none. */
function lastHealthOutput(c: ContainerInspect): string {
  const log = c.State.Health?.Log;
  const output = (log?.at(-1)?.Output ?? '').trim().split('\n')[0] ?? '';
  return output === '' ? '' : ` (last check: ${output.length > 200 ? `${output.slice(0, 200)}...` : output})`;
}

/** A container body with the inherited anonymous volumes mounted by name at their targets. */
function withMounts(body: ContainerCreateSpec, inherited: ReadonlyMap<string, string>): ContainerCreateSpec {
  if (inherited.size === 0) return body;
  const given = body.HostConfig?.Mounts ?? [];
  const mounts = given.filter((m) => m.Target === undefined || !inherited.has(m.Target));
  for (const [target, name] of inherited) mounts.push({ Type: 'volume', Source: name, Target: target, ReadOnly: given.find((m) => m.Target === target)?.ReadOnly ?? false });
  return { ...body, HostConfig: { ...body.HostConfig, Mounts: mounts } };
}

/** The stop grace period of a task whose service sets none: the Engine's 10 s. */
const DEFAULT_STOP_GRACE_NS = 10e9;

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function createEngineRunner(options: RunnerOptions): StepRunner {
  const { engine, desired, observed } = options;
  const project = desired.project;
  const sleep = options.sleep ?? defaultSleep;
  const attempts = options.updateAttempts ?? 5;
  const removeRetryMs = options.removeRetryMs ?? 15_000;
  const waitTimeoutMs = options.waitTimeoutMs ?? 300_000;
  const owner = (name: string): Owner => ({ project, name });
  const authFor = (image: string) => {
    const auth = options.registryAuth?.(image);
    return auth === undefined ? {} : { auth };
  };

  // Engine name -> id of the objects services reference, filled as the run creates more.
  const ids = {
    secret: new Map<string, string>([...observed.secrets.map((s) => [s.engineName, s.id] as const), ...[...observed.unowned.secret.values()].map((u) => [u.engineName, u.id] as const)]),
    config: new Map<string, string>([...observed.configs.map((c) => [c.engineName, c.id] as const), ...[...observed.unowned.config.values()].map((u) => [u.engineName, u.id] as const)]),
    network: new Map<string, string>([...observed.networks.map((n) => [n.engineName, n.id] as const), ...[...observed.unowned.network.values()].map((u) => [u.engineName, u.id] as const)]),
  };
  const containerDependsOn = (name: string): string[] => Object.keys(desired.containers[name]?.dependsOn ?? {});
  const serviceDependsOn = (engineName: string): readonly string[] => Object.values(desired.services).find((s) => s.engineName === engineName)?.dependsOn ?? [];
  const serviceName = (engineName: string): string => Object.values(desired.services).find((s) => s.engineName === engineName)?.name ?? engineName;

  /**
   * How much longer the Engine may take to release a network or volume because the project's
   * services used it: Swarm stops their tasks, each given its stop grace period (10 s by default),
   * batch after batch in a rolling update, before it lets go of what they used. A fixed bound was
   * shorter than one service with `stop_grace_period: 1m30s`.
   */
  const releaseAllowanceMs = (uses: (spec: ServiceSpec) => boolean): number =>
    Math.max(0, ...observed.services.filter((svc) => uses(svc.spec)).map((svc) => {
      // Removed, its tasks stop at once; moved off by an update, batch after batch.
      const batches = Math.ceil((svc.spec.replicas ?? 1) / Math.max(1, svc.spec.updateConfig?.parallelism ?? 1));
      return ((svc.spec.stopGracePeriod ?? DEFAULT_STOP_GRACE_NS) / 1e6 + 1000) * batches;
    }));

  /**
   * Retries `fn` while it fails because the Engine has not finished releasing the object, for
   * `removeRetryMs` plus `allowanceMs`. `onInUse` may free it (it returns true when it did).
   */
  const removeWithRetry = async (fn: () => Promise<void>, allowanceMs = 0, onInUse?: (err: unknown) => Promise<boolean>): Promise<void> => {
    const deadline = Date.now() + removeRetryMs + allowanceMs;
    for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
      try {
        await fn();
        return;
      } catch (err: unknown) {
        if (isEngineError(err, 'not-found')) return; // already gone: the goal is reached
        if (!isEngineError(err, 'in-use')) throw err;
        if (Date.now() + delay > deadline) throw err;
        if (onInUse !== undefined && (await onInUse(err))) continue;
        await sleep(delay);
      }
    }
  };

  /**
   * WARNING: Swarm keeps the containers of a service's finished tasks (its task history), and a
   * volume they mounted cannot be removed while they exist ("volume is in use - [ids]"), even
   * after the service stopped mounting it. Those of the project's own services (Swarm's
   * com.docker.swarm.service.id label), and only when they are not running, are removed; any other
   * container holding the volume is left alone, and the removal fails once its time is up.
   */
  const removeFinishedTaskContainers = async (err: unknown): Promise<boolean> => {
    const listed = /\[([0-9a-f, ]+)\]/.exec(err instanceof Error ? err.message : '');
    const projectServices = new Set(observed.services.map((svc) => svc.id));
    let removed = false;
    for (const id of listed?.[1]?.split(/[ ,]+/).filter((x) => x !== '') ?? []) {
      const found = await engine.containers.inspect(id).catch(() => null);
      const service = found?.Config.Labels?.[SWARM_SERVICE_ID_LABEL];
      if (found === null || found.State.Running || service === undefined || !projectServices.has(service)) continue;
      await engine.containers.remove(found.Id).catch((e: unknown) => {
        // Gone, or already being removed (by Swarm itself): the next try tells.
        if (!isEngineError(e, 'not-found') && !isEngineError(e, 'conflict')) throw e;
      });
      removed = true;
    }
    return removed;
  };

  /**
   * WARNING: Swarm accepts the removal of an overlay network whose tasks are still shutting down
   * (204), and removes it only once they are gone: until then it is still listed and inspectable,
   * and a network of the same name cannot be created. Wait for it to be really gone.
   */
  const untilGone = async (what: string, inspect: () => Promise<unknown>, allowanceMs = 0): Promise<void> => {
    const boundMs = removeRetryMs * 4 + allowanceMs;
    const deadline = Date.now() + boundMs;
    for (let delay = 100; ; delay = Math.min(delay * 2, 1000)) {
      try {
        await inspect();
      } catch (err: unknown) {
        if (isEngineError(err, 'not-found')) return;
        throw err;
      }
      if (Date.now() + delay > deadline) throw new StepError(`${what} was removed, but the Engine still lists it after ${Math.round(boundMs / 1000)}s`);
      await sleep(delay);
    }
  };

  /**
   * Runs a create. If it fails ambiguously (a timeout, or the connection lost after the request
   * may have been sent) or because the name is taken, looks the object up by name: one this
   * project made from the same spec is the goal reached; anything else is an error, and nothing is
   * retried blindly.
   */
  const createOnce = async <T>(what: string, create: () => Promise<T>, lookup: () => Promise<{ labels: Readonly<Record<string, string>> | null; result: T } | null>, sameSpec: (labels: Readonly<Record<string, string>>) => boolean): Promise<T> => {
    try {
      return await create();
    } catch (err: unknown) {
      if (!isEngineError(err, 'timeout') && !isEngineError(err, 'conflict') && !isEngineError(err, 'unreachable')) throw err;
      let found = await lookup().catch(() => null);
      // WARNING: the Engine reserves a container's name before the container can be inspected: a
      // create that lost a race gets 409 while the winner's is still being made. Look again briefly.
      for (let delay = 100; found === null && isEngineError(err, 'conflict') && delay <= 1600; delay *= 2) {
        await sleep(delay);
        found = await lookup().catch(() => null);
      }
      if (found !== null && isOwnedBy(found.labels, project) && sameSpec(found.labels ?? {})) return found.result;
      if (found !== null && !isOwnedBy(found.labels, project)) {
        throw new StepError(`${what} already exists and is not managed by project ${project}; moor leaves it alone`, { cause: err });
      }
      throw err;
    }
  };
  const specMatches = (hash: string) => (labels: Readonly<Record<string, string>>) => labels[LABEL_SPEC_HASH] === hash;

  /**
   * WARNING: the Engine lets two creates of one network name that race both succeed (see
   * model/duplicates.ts). After a create, if the project now has several networks of that name,
   * the oldest is kept, and the one this run made is removed if it is not that one: runs that race
   * agree on the oldest, so one network survives.
   */
  const keepOldestNetwork = async (engineName: string, id: string): Promise<string> => {
    const same = (await engine.networks.list({ filters: { name: [engineName] } })).filter((n) => n.Name === engineName && isOwnedBy(n.Labels, project));
    const oldest = same.map((n) => ({ id: n.Id, created: n.Created })).sort(oldestFirst)[0];
    if (oldest === undefined || oldest.id === id) return id;
    await removeWithRetry(() => engine.networks.remove(id));
    return oldest.id;
  };

  /**
   * The anonymous volumes a replacement takes over (planned: step.carried), by target. Where the
   * new spec mounts nothing, only if the image declares that VOLUME: read here, the image being
   * pulled by then.
   */
  const inheritedVolumes = async (carried: readonly CarriedVolume[], image: string): Promise<Map<string, string>> => {
    const out = new Map<string, string>();
    let declared: ReadonlySet<string> | null = null;
    for (const { target, volume, ifImageDeclares } of carried) {
      if (ifImageDeclares) {
        declared ??= new Set(Object.keys((await engine.images.inspect(image).catch(() => null))?.Config?.Volumes ?? {}));
        if (!declared.has(target)) continue;
      }
      out.set(target, volume);
    }
    return out;
  };

  /** Removes anonymous volumes that nothing mounts any more (one still in use, or gone, is left). */
  const removeUnusedVolumes = async (names: readonly string[]): Promise<void> => {
    for (const name of names) {
      await engine.volumes.remove(name).catch((err: unknown) => {
        if (!isEngineError(err, 'in-use') && !isEngineError(err, 'not-found')) throw err;
      });
    }
  };

  const serviceRefs = () => ({ secretIds: ids.secret, configIds: ids.config, networkIds: ids.network });

  const updateService = async (step: Extract<Step, { op: 'service.update' }>): Promise<void> => {
    let version = step.version;
    // An adopted service (--adopt) is not the project's yet: it is among the adoptable ones.
    const planned = [...observed.services, ...observed.adoptable].find((s) => s.id === step.id);
    let forceUpdate = planned?.forceUpdate ?? 0;
    let unmanaged = planned?.unmanaged ?? {};
    for (let attempt = 1; ; attempt++) {
      if (version === null) {
        const fresh = await engine.services.inspect(step.id);
        version = fresh.Version.Index;
        forceUpdate = typeof fresh.Spec.TaskTemplate.ForceUpdate === 'number' ? fresh.Spec.TaskTemplate.ForceUpdate : 0;
        unmanaged = unmanagedFields(fresh.Spec);
      }
      const bump = step.bumpForceUpdate === true ? 1 : 0;
      const managed = serviceBody(step.engineName, step.spec, owner(serviceName(step.engineName)), serviceRefs(), { dependsOn: serviceDependsOn(step.engineName), forceUpdate: forceUpdate + bump });
      // What moor does not manage (a --dns-add, a --cap-add made by hand) is sent back as it is.
      const body = withUnmanaged(managed, unmanaged);
      try {
        await engine.services.update(step.id, version, body, authFor(step.spec.image));
        return;
      } catch (err: unknown) {
        if (!isEngineError(err, 'out-of-sequence')) throw err;
        // Someone else (or Swarm's own updater) moved the service: re-read and re-compare.
        const fresh = await engine.services.inspect(step.id);
        const live = observeService(fresh, new Map([...ids.network].map(([name, id]) => [id, name])));
        if (deepEqual(live.spec, step.spec satisfies ServiceSpec)) return; // already as desired
        if (attempt >= attempts) {
          throw new StepError(`service ${step.engineName} kept changing while moor updated it (${attempts} attempts ended in "update out of sequence"); it may be in a rolling update: try again later`, { cause: err });
        }
        version = fresh.Version.Index;
        forceUpdate = live.forceUpdate;
        unmanaged = live.unmanaged;
        await sleep(100 * 2 ** attempt * (0.5 + Math.random()));
      }
    }
  };

  const updateVersioned = async (kind: 'secret' | 'config', id: string, planned: number, engineName: string, labels: Record<string, string>): Promise<void> => {
    const api = kind === 'secret' ? engine.secrets : engine.configs;
    let version = planned;
    for (let attempt = 1; ; attempt++) {
      try {
        // Data omitted: only labels can change, and omitting it passes the Engine's check.
        await api.update(id, version, { Name: engineName, Labels: labels });
        return;
      } catch (err: unknown) {
        if (!isEngineError(err, 'out-of-sequence') || attempt >= attempts) throw err;
        const fresh = await api.inspect(id);
        if (deepEqual(fresh.Spec.Labels ?? {}, labels)) return;
        version = fresh.Version.Index;
      }
    }
  };

  const waitFor = async (engineName: string, condition: 'service_healthy' | 'service_completed_successfully', signal: AbortSignal): Promise<void> => {
    const deadline = Date.now() + waitTimeoutMs;
    for (let delay = 200; ; delay = Math.min(delay * 1.5, 2000)) {
      const c = await engine.containers.inspect(engineName);
      const health = c.State.Health?.Status;
      if (condition === 'service_healthy') {
        if (health === 'healthy') return;
        if (health === undefined) throw new StepError(`container ${engineName} has no healthcheck, so its dependants cannot wait for it to be healthy`);
        if (!c.State.Running) throw new StepError(`container ${engineName} stopped (exit code ${c.State.ExitCode ?? '?'}) before it became healthy`);
        // As docker compose up: an unhealthy dependency fails its dependants at once (its
        // healthcheck failed `retries` times in a row), rather than at the end of the wait.
        if (health === 'unhealthy') throw new StepError(`container ${engineName} is unhealthy${lastHealthOutput(c)}; its dependants need it healthy`);
      } else if (!c.State.Running && c.State.Status === 'exited') {
        if ((c.State.ExitCode ?? 1) === 0) return;
        throw new StepError(`container ${engineName} exited with code ${c.State.ExitCode ?? '?'}; its dependants need it to complete successfully`);
      }
      if (signal.aborted) throw new StepError(`stopped waiting for container ${engineName}`);
      if (Date.now() + delay > deadline) {
        throw new StepError(`container ${engineName} was not ${condition === 'service_healthy' ? 'healthy' : 'completed'} within ${Math.round(waitTimeoutMs / 1000)}s (health: ${health ?? 'none'}, state: ${c.State.Status})`);
      }
      await sleep(delay);
    }
  };

  /** Waits until a container runs as the manifest says, by the rules `apply --wait` applies. */
  const waitConverged = async (name: string, engineName: string, signal: AbortSignal): Promise<void> => {
    const target: WaitTarget = { kind: 'container', name, engineName, action: 'replace', specHash: null };
    const result = await waitForConvergence([target], {
      timeoutMs: waitTimeoutMs,
      signal,
      read: () => observeRuntime(engine, project, { containers: [engineName], signal }),
    });
    if (result.outcome === 'converged') return;
    if (result.outcome === 'cancelled') throw new StepError(`stopped waiting for container ${engineName}`);
    const status = result.statuses[0];
    const why = status === undefined ? result.outcome : `${status.summary}${status.reason === null ? '' : `: ${status.reason}`}`;
    throw new StepError(`container ${engineName} does not run as the manifest says: ${why}`);
  };

  return async (step: Step, signal: AbortSignal): Promise<void> => {
    switch (step.op) {
      case 'image.pull':
        await engine.images.pull(step.image, { ...authFor(step.image), onProgress: (p) => options.onPullProgress?.(step.image, p) });
        return;
      case 'network.create': {
        const body = networkBody(step.engineName, step.spec, owner(nameOf(step.object)));
        const id = await createOnce(`network ${step.engineName}`, async () => (await engine.networks.create(body)).id, async () => {
          const found = await engine.networks.inspect(step.engineName);
          return { labels: found.Labels, result: found.Id };
        }, specMatches(specHash(step.spec)));
        ids.network.set(step.engineName, await keepOldestNetwork(step.engineName, id));
        return;
      }
      case 'network.remove': {
        const allowance = releaseAllowanceMs((spec) => Object.hasOwn(spec.networks, step.engineName));
        await removeWithRetry(() => engine.networks.remove(step.id), allowance);
        await untilGone(`network ${step.engineName}`, () => engine.networks.inspect(step.id), allowance);
        return;
      }
      case 'volume.create': {
        // WARNING: the Engine returns an existing volume of the same name and driver instead of
        // failing, ignoring the new options: check the volume we got is ours.
        const volume = await engine.volumes.create(volumeBody(step.engineName, step.spec, owner(nameOf(step.object))));
        if (!isOwnedBy(volume.Labels, project)) throw new StepError(`volume ${step.engineName} already exists and is not managed by project ${project}; moor leaves it alone`);
        return;
      }
      case 'volume.remove':
        await removeWithRetry(
          () => engine.volumes.remove(step.engineName),
          releaseAllowanceMs((spec) => spec.mounts.some((m) => m.type === 'volume' && m.source === step.engineName)),
          removeFinishedTaskContainers,
        );
        return;
      case 'secret.create':
      case 'config.create': {
        const kind = step.op === 'secret.create' ? 'secret' : 'config';
        const desiredObj = kind === 'secret' ? desired.secrets[step.name] : desired.configs[step.name];
        if (desiredObj === undefined || desiredObj.external) throw new StepError(`${kind} ${step.name} is not in the manifest any more`);
        const data = desiredObj.kind === 'secret' ? desiredObj.data.reveal() : desiredObj.data;
        const fingerprint = kind === 'secret' ? saltedFingerprint(data, randomId() + randomId()) : `sha256:${sha256Hex(data)}`;
        const api = kind === 'secret' ? engine.secrets : engine.configs;
        const body = kind === 'secret' ? secretBody(step.engineName, step.spec, data, fingerprint, owner(step.name)) : configBody(step.engineName, step.spec, data, fingerprint, owner(step.name));
        const id = await createOnce(`${kind} ${step.engineName}`, async () => (await api.create(body)).id, async () => {
          const found = (await api.list({ filters: { name: [step.engineName] } })).find((o) => o.Spec.Name === step.engineName);
          return found === undefined ? null : { labels: found.Spec.Labels ?? null, result: found.ID };
        }, (labels) => labels[LABEL_NAME] === step.name);
        ids[kind].set(step.engineName, id);
        return;
      }
      case 'secret.update':
      case 'config.update': {
        const kind = step.op === 'secret.update' ? 'secret' : 'config';
        const live = kind === 'secret' ? observed.secrets.find((s) => s.id === step.id) : observed.configs.find((c) => c.id === step.id);
        const content = live === undefined ? undefined : live.kind === 'secret' ? live.fingerprint : `sha256:${sha256Hex(live.data)}`;
        const labels = versionedLabels(step.spec, content === undefined || content === null ? {} : { [LABEL_CONTENT]: content }, owner(nameOf(step.object)));
        await updateVersioned(kind, step.id, step.version, step.engineName, labels);
        return;
      }
      case 'secret.remove':
        await removeWithRetry(() => engine.secrets.remove(step.id));
        return;
      case 'config.remove':
        await removeWithRetry(() => engine.configs.remove(step.id));
        return;
      case 'container.create': {
        const made = containerBody(step.spec, owner(step.name), { dependsOn: containerDependsOn(step.name), replaces: step.replaces });
        const { moreNetworks } = made;
        const body = step.carried === undefined ? made.body : withMounts(made.body, await inheritedVolumes(step.carried, step.spec.image));
        await createOnce(`container ${step.engineName}`, async () => (await engine.containers.create(body, { name: step.engineName })).id, async () => {
          const found = await engine.containers.inspect(step.engineName);
          return { labels: found.Config.Labels ?? null, result: found.Id };
        }, specMatches(specHash(step.spec)));
        for (const [network, endpoint] of moreNetworks) {
          try {
            await engine.containers.connectNetwork(step.engineName, network, endpoint);
          } catch (err: unknown) {
            // Connected already by an earlier, interrupted run of this step.
            if (!(isEngineError(err, 'forbidden') && /already exists in network/.test(err.engineMessage ?? ''))) throw err;
          }
        }
        return;
      }
      case 'container.start':
        await engine.containers.start(step.engineName);
        return;
      case 'container.stop': {
        const grace = options.hurry?.aborted === true ? 0 : step.timeout === null ? undefined : Math.ceil(step.timeout / 1e9);
        // WARNING: the Engine goes on stopping a container when its client gives up on the request;
        // only a kill ends the grace period early (a kill of a stopped container fails: ignored).
        const kill = (): void => void engine.containers.kill(step.engineName).catch(() => undefined);
        options.hurry?.addEventListener('abort', kill, { once: true });
        try {
          await engine.containers.stop(step.engineName, grace === undefined ? {} : { timeoutSeconds: grace });
        } catch (err: unknown) {
          if (!isEngineError(err, 'not-found')) throw err;
        } finally {
          options.hurry?.removeEventListener('abort', kill);
        }
        return;
      }
      case 'container.remove': {
        if (step.volumes === undefined) {
          await removeWithRetry(() => engine.containers.remove(step.engineName, { force: true }));
          return;
        }
        await removeWithRetry(() => engine.containers.remove(step.engineName, { force: true, volumes: true }));
        await removeUnusedVolumes(step.volumes);
        return;
      }
      case 'container.rename':
        await engine.containers.rename(step.from, step.to);
        return;
      case 'container.remove-previous': {
        // Its anonymous volumes go with it, but those its replacement took over (in use).
        await removeWithRetry(() => engine.containers.remove(step.replacement.previousId, { force: true, volumes: true }));
        await removeUnusedVolumes(step.volumes);
        return;
      }
      case 'container.update':
        await engine.containers.update(step.engineName, containerUpdateBody(step.restart, step.memLimit, step.cpus));
        return;
      case 'container.connect':
        await engine.containers.connectNetwork(step.engineName, step.network, endpointBody(step.attachment));
        return;
      case 'container.disconnect':
        try {
          await engine.containers.disconnectNetwork(step.engineName, step.network);
        } catch (err: unknown) {
          if (!isEngineError(err, 'not-found')) throw err;
        }
        return;
      case 'container.wait':
        if (step.condition === 'converged') await waitConverged(nameOf(step.object), step.engineName, signal);
        else await waitFor(step.engineName, step.condition, signal);
        return;
      case 'service.create': {
        const body = serviceBody(step.engineName, step.spec, owner(serviceName(step.engineName)), serviceRefs(), { dependsOn: serviceDependsOn(step.engineName), forceUpdate: 0 });
        await createOnce(`service ${step.engineName}`, async () => (await engine.services.create(body, authFor(step.spec.image))).id, async () => {
          const found = await engine.services.inspect(step.engineName);
          return { labels: found.Spec.Labels ?? null, result: found.ID };
        }, specMatches(specHash(step.spec)));
        return;
      }
      case 'service.update':
        await updateService(step);
        return;
      case 'service.remove':
        await removeWithRetry(() => engine.services.remove(step.id));
        return;
      default:
        assertNever(step, 'plan step');
    }
  };
}

function nameOf(object: string): string {
  return object.slice(object.indexOf('/') + 1);
}
