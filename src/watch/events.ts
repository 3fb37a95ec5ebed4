// Engine events as hints of drift (research §1.9): the Engine drops events for slow readers, keeps
// only 256 for replay, and a label filter misses network and volume events (and in 20.10 service,
// secret and config events carry no labels either: only `name`). So events only say "look again
// soon"; every cycle does a full observe, and a lost or re-opened stream causes a full resync.
//
// Two subscriptions:
//   1. containers, filtered by the project label on the Engine side (their events carry labels);
//   2. networks, volumes, services, secrets and configs, filtered by action only, matched here by
//      the project's known ids and Engine names, or by the `<project>_` name prefix.
//
// Must not: decide what to do about a hint (the watcher debounces it, drops self-caused ones).
import type { EngineEvent, Filters } from '../engine/index.js';
import type { DesiredProject } from '../model/desired.js';
import type { ObjectKind } from '../model/kinds.js';
import { LABEL_NAME, LABEL_PROJECT, VERSION_LENGTH } from '../model/labels.js';
import type { ObservedProject } from '../model/observed.js';
import { Backoff, type BackoffPolicy, type Random } from './backoff.js';
import { sleep, type Clock } from './clock.js';

/** A relevant event: which object (`kind/name`, logical name) and what happened to it. */
export interface EventHint {
  readonly object: string;
  readonly action: string;
}

// Actions that can change what observe sees. Exec, health, attach, top, mount... cannot.
const CONTAINER_ACTIONS = new Set(['create', 'start', 'die', 'destroy', 'pause', 'unpause', 'rename', 'update']);
const NETWORK_ACTIONS = new Set(['create', 'destroy', 'remove', 'update', 'connect', 'disconnect']);
const VOLUME_ACTIONS = new Set(['create', 'destroy']);
const SWARM_ACTIONS = new Set(['create', 'update', 'remove']);
/** Progress reports of a running service update (its spec change was an event of its own). */
const UPDATE_PROGRESS = new Set(['updating', 'completed']);

export function eventFilters(project: string): { readonly containers: Filters; readonly others: Filters } {
  return {
    containers: { type: 'container', label: `${LABEL_PROJECT}=${project}` },
    others: { type: ['network', 'volume', 'service', 'secret', 'config'], event: [...new Set([...NETWORK_ACTIONS, ...VOLUME_ACTIONS, ...SWARM_ACTIONS])] },
  };
}

/**
 * Which Engine objects belong to the project, by id and Engine name, from the last observed state
 * and the desired model; objects created since are matched by the `<project>_` prefix.
 */
export class ObjectIndex {
  readonly #project: string;
  #ids = new Map<string, string>();
  #names = new Map<string, string>();

  constructor(project: string) {
    this.#project = project;
  }

  update(desired: DesiredProject | null, observed: ObservedProject | null): void {
    const ids = new Map<string, string>();
    const names = new Map<string, string>();
    if (desired !== null) {
      for (const o of [...Object.values(desired.networks), ...Object.values(desired.volumes)]) {
        if (!o.external) names.set(`${o.kind}:${o.engineName}`, `${o.kind}/${o.name}`);
      }
      for (const o of [...Object.values(desired.containers), ...Object.values(desired.services)]) names.set(`${o.kind}:${o.engineName}`, `${o.kind}/${o.name}`);
    }
    if (observed !== null) {
      for (const o of [...observed.networks, ...observed.secrets, ...observed.configs, ...observed.containers, ...observed.services]) {
        ids.set(`${o.kind}:${o.id}`, `${o.kind}/${o.name}`);
        names.set(`${o.kind}:${o.engineName}`, `${o.kind}/${o.name}`);
      }
      for (const v of observed.volumes) names.set(`volume:${v.engineName}`, `volume/${v.name}`);
    }
    this.#ids = ids;
    this.#names = names;
  }

  /** Learns an object from its create event (containers moor just made, before the next observe). */
  remember(kind: ObjectKind, id: string, object: string): void {
    this.#ids.set(`${kind}:${id}`, object);
  }

  /** `kind/name` of an object of the project, or null when it is not one. */
  lookup(kind: ObjectKind, id: string, engineName: string | undefined): string | null {
    const known = this.#ids.get(`${kind}:${id}`) ?? (engineName === undefined ? undefined : this.#names.get(`${kind}:${engineName}`));
    if (known !== undefined) return known;
    const prefix = `${this.#project}_`;
    if (engineName === undefined || !engineName.startsWith(prefix)) return null;
    let name = engineName.slice(prefix.length);
    // <project>_<name>_<version>: secret and config versions are one logical object.
    if (kind === 'secret' || kind === 'config') name = name.replace(new RegExp(`_[0-9a-f]{${VERSION_LENGTH}}$`), '');
    return `${kind}/${name}`;
  }
}

/** The hint an event gives about the project, or null when it says nothing about it. */
export function classifyEvent(event: EngineEvent, project: string, index: ObjectIndex): EventHint | null {
  const attrs = event.Actor.Attributes;
  const action = event.Action;
  switch (event.Type) {
    case 'container': {
      if (!CONTAINER_ACTIONS.has(action) || attrs[LABEL_PROJECT] !== project) return null;
      const object = `container/${attrs[LABEL_NAME] ?? attrs['name'] ?? event.Actor.ID}`;
      if (action === 'create') index.remember('container', event.Actor.ID, object);
      return { object, action };
    }
    case 'network': {
      if (!NETWORK_ACTIONS.has(action)) return null;
      if (action === 'connect' || action === 'disconnect') {
        // Only attachments of the project's own containers: service tasks come and go by themselves.
        const container = attrs['container'];
        const object = container === undefined ? null : index.lookup('container', container, undefined);
        return object === null ? null : { object, action: `network ${action}` };
      }
      const object = index.lookup('network', event.Actor.ID, attrs['name']);
      return object === null ? null : { object, action };
    }
    case 'volume': {
      if (!VOLUME_ACTIONS.has(action)) return null;
      const object = index.lookup('volume', event.Actor.ID, event.Actor.ID);
      return object === null ? null : { object, action };
    }
    case 'service':
    case 'secret':
    case 'config': {
      if (!SWARM_ACTIONS.has(action)) return null;
      const state = attrs['updatestate.new'];
      if (event.Type === 'service' && action === 'update' && state !== undefined && UPDATE_PROGRESS.has(state)) return null;
      const object = index.lookup(event.Type, event.Actor.ID, attrs['name']);
      return object === null ? null : { object, action: state === undefined ? action : `${action} (${state})` };
    }
    default:
      return null;
  }
}

export interface EventWatcherOptions {
  readonly project: string;
  readonly index: ObjectIndex;
  /** engine.events: resolves once subscribed; iteration ends when the stream ends or `signal` fires. */
  readonly subscribe: (filters: Filters, signal: AbortSignal) => Promise<AsyncIterable<EngineEvent>>;
  readonly clock: Clock;
  readonly backoff: BackoffPolicy;
  readonly random?: Random;
  /** A subscription that lived this long resets its backoff. */
  readonly stableMs?: number;
  readonly onHint: (hint: EventHint) => void;
  /** A stream was lost and is subscribed again: events may have been missed. */
  readonly onResync: (reason: string) => void;
  readonly onStatus: (status: { readonly stream: string; readonly up: boolean; readonly error: unknown; readonly retryInMs: number | null }) => void;
}

/** Follows both subscriptions until stopped, re-subscribing with backoff after every loss. */
export class EngineEventWatcher {
  readonly #options: EventWatcherOptions;
  readonly #abort = new AbortController();
  #followers: Promise<void>[] = [];
  #firstAttempts: Promise<void>[] = [];

  constructor(options: EventWatcherOptions) {
    this.#options = options;
  }

  /** Subscribes; resolves once each stream was subscribed, or failed, once. */
  async start(): Promise<void> {
    const filters = eventFilters(this.#options.project);
    for (const [name, f] of Object.entries(filters)) {
      let firstDone!: () => void;
      this.#firstAttempts.push(new Promise<void>((resolve) => (firstDone = resolve)));
      this.#followers.push(this.#follow(name, f, firstDone));
    }
    await Promise.all(this.#firstAttempts);
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await Promise.all(this.#followers);
  }

  async #follow(stream: string, filters: Filters, firstDone: () => void): Promise<void> {
    const o = this.#options;
    const signal = this.#abort.signal;
    const backoff = new Backoff(o.backoff, o.random);
    let lost = false;
    while (!signal.aborted) {
      let subscribedAt: number | null = null;
      let error: unknown = null;
      try {
        const events = await o.subscribe(filters, signal);
        subscribedAt = o.clock.now();
        o.onStatus({ stream, up: true, error: null, retryInMs: null });
        firstDone();
        if (lost) o.onResync(`events stream (${stream}) subscribed again`);
        for await (const event of events) {
          const hint = classifyEvent(event, o.project, o.index);
          if (hint !== null) o.onHint(hint);
        }
      } catch (err: unknown) {
        error = err;
      }
      firstDone();
      if (signal.aborted) break;
      lost = true;
      if (subscribedAt !== null && o.clock.now() - subscribedAt >= (o.stableMs ?? 30_000)) backoff.reset();
      const retryInMs = backoff.next();
      o.onStatus({ stream, up: false, error, retryInMs });
      await sleep(o.clock, retryInMs, signal);
    }
  }
}
