// Checks across objects, once each object is normalised on its own: names the Engine accepts,
// references to declared objects, network drivers that fit their users, depends_on (known names,
// no cycles) and published ports that do not collide.
import type { ObjectKind } from '../model/kinds.js';
import { MAX_SWARM_NAME_LENGTH, VERSION_LENGTH, engineName, versionedEngineName } from '../model/labels.js';
import { type ValuePath, formatPath, quoteValue } from './issues.js';
import type { Context } from './normalise-context.js';
import type { NetworkDraft } from './normalise-resources.js';
import type { PublishedPort, WorkloadRefs } from './normalise-workloads.js';
import { didYouMean } from './suggest.js';

/** Logical names as the manifest keys them (declared, valid or not), per collection. */
export interface Declared {
  readonly networks: ReadonlySet<string>;
  readonly volumes: ReadonlySet<string>;
  readonly secrets: ReadonlySet<string>;
  readonly configs: ReadonlySet<string>;
  readonly containers: ReadonlySet<string>;
  readonly services: ReadonlySet<string>;
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
/** swarmkit controlapi: service names are DNS labels (with "_"). */
const SERVICE_NAME = /^[a-zA-Z0-9](?:[-_]*[A-Za-z0-9]+)*$/;
const MAX_SERVICE_NAME_LENGTH = 63;
/** swarmkit controlapi: secret and config names. */
const SWARM_OBJECT_NAME = /^[a-zA-Z0-9]+(?:[a-zA-Z0-9-_.]*[a-zA-Z0-9])?$/;

export function checkNames(ctx: Context, declared: Declared): void {
  const kinds: [keyof Declared, ObjectKind][] = [['networks', 'network'], ['volumes', 'volume'], ['secrets', 'secret'], ['configs', 'config'], ['containers', 'container'], ['services', 'service']];
  for (const [collection, kind] of kinds) {
    for (const name of declared[collection]) {
      const at: ValuePath = [collection, name];
      if (!NAME.test(name)) {
        ctx.errorAtKey(at, `invalid ${kind} name: use letters, digits, "_", "." and "-", starting with a letter or digit`);
        continue;
      }
      if (ctx.project === '') continue;
      if (kind === 'service') {
        const full = engineName(ctx.project, name);
        if (!SERVICE_NAME.test(full)) ctx.errorAtKey(at, 'invalid service name: Swarm needs a DNS name (no ".", and a letter or digit at the end)');
        else if (full.length > MAX_SERVICE_NAME_LENGTH) ctx.errorAtKey(at, `the service's Engine name "${full}" is ${full.length} characters; Swarm allows ${MAX_SERVICE_NAME_LENGTH}`);
      }
      if (kind === 'secret' || kind === 'config') {
        const full = versionedEngineName(ctx.project, name, 'x'.repeat(VERSION_LENGTH));
        if (!SWARM_OBJECT_NAME.test(name)) ctx.errorAtKey(at, `invalid ${kind} name: it must end with a letter or digit`);
        else if (full.length > MAX_SWARM_NAME_LENGTH) {
          ctx.errorAtKey(at, `the ${kind}'s Engine name (${ctx.project}_${name}_ and an ${VERSION_LENGTH}-character version) is ${full.length} characters; Swarm allows ${MAX_SWARM_NAME_LENGTH}`);
        }
      }
    }
  }
}

/** Every network, volume, secret and config a workload names must be declared (`default` is implicit). */
export function checkReferences(ctx: Context, declared: Declared, refs: readonly WorkloadRefs[]): void {
  for (const w of refs) {
    for (const n of w.networks) if (n.name !== 'default' && !declared.networks.has(n.name)) unknown(ctx, 'network', n.name, n.path, declared.networks);
    for (const v of w.volumes) if (!declared.volumes.has(v.name)) unknown(ctx, 'volume', v.name, v.path, declared.volumes, ' (declare it under volumes:, or write ./path for a host folder)');
    for (const s of w.secrets) if (!declared.secrets.has(s.name)) unknown(ctx, 'secret', s.name, s.path, declared.secrets);
    for (const c of w.configs) if (!declared.configs.has(c.name)) unknown(ctx, 'config', c.name, c.path, declared.configs);
  }
}

function unknown(ctx: Context, kind: string, name: string, at: ValuePath, known: ReadonlySet<string>, hint = ''): void {
  const suggestion = didYouMean(name, known);
  ctx.errorAtKey(at, `unknown ${kind} ${quoteValue(name)}${suggestion === '' ? hint : suggestion}`);
}

/** Services need overlay networks; containers can join an overlay network only if it is attachable. */
export function checkNetworkDrivers(ctx: Context, drafts: ReadonlyMap<string, NetworkDraft>, refs: readonly WorkloadRefs[]): void {
  const usedByServices = new Set(refs.filter((w) => w.kind === 'service').flatMap((w) => w.networks.map((n) => n.name)));
  for (const w of refs) {
    for (const n of w.networks) {
      const draft = drafts.get(n.name);
      if (draft === undefined || draft.external !== null) continue;
      const driver = draft.driver ?? (usedByServices.has(n.name) ? 'overlay' : 'bridge');
      if (w.kind === 'service' && driver !== 'overlay') {
        ctx.errorAtKey(n.path, `the network ${quoteValue(n.name)} has driver ${driver}: Swarm services need an overlay network`);
      } else if (w.kind === 'container' && driver === 'overlay' && draft.attachable === false) {
        ctx.errorAtKey(n.path, `the overlay network ${quoteValue(n.name)} is not attachable: containers cannot join it (set attachable: true)`);
      }
    }
  }
}

/**
 * A container and a service of one name both answer to it on a network they share (the Engine's
 * DNS resolves the name to both): a client reaches either, at random.
 */
export function checkSharedNames(ctx: Context, refs: readonly WorkloadRefs[]): void {
  const services = new Map(refs.filter((w) => w.kind === 'service').map((w) => [w.name, w]));
  for (const c of refs) {
    const s = c.kind === 'container' ? services.get(c.name) : undefined;
    if (s === undefined) continue;
    const shared = [...new Set(c.networks.map((n) => n.name))].filter((n) => s.networks.some((m) => m.name === n));
    if (shared.length === 0) continue;
    ctx.objectWarning('container', c.name, ['containers', c.name], `service ${c.name} has the same name and shares network ${shared.join(', ')} with it: there the name ${c.name} resolves to either of them (rename one)`);
  }
}

/** depends_on names objects of the same kind, does not wait for a health that cannot come, and has no cycle. */
export function checkDependencies(ctx: Context, declared: Declared, refs: readonly WorkloadRefs[]): void {
  for (const kind of ['container', 'service'] as const) {
    const own = kind === 'container' ? declared.containers : declared.services;
    const other = kind === 'container' ? declared.services : declared.containers;
    const workloads = refs.filter((w) => w.kind === kind);
    const disabled = new Set(workloads.filter((w) => w.healthcheckDisabled).map((w) => w.name));
    const edges = new Map<string, Map<string, ValuePath>>();
    for (const w of workloads) {
      const out = new Map<string, ValuePath>();
      edges.set(w.name, out);
      for (const d of w.dependsOn) {
        if (!own.has(d.name)) {
          if (other.has(d.name)) ctx.errorAtKey(d.path, `${kind}s can depend on ${kind}s only, and ${quoteValue(d.name)} is a ${kind === 'container' ? 'service' : 'container'}`);
          else unknown(ctx, kind, d.name, d.path, own);
          continue;
        }
        if (d.condition === 'service_healthy' && disabled.has(d.name)) {
          ctx.errorAtKey(d.path, `${kind}/${d.name} has its healthcheck disabled, so it never becomes healthy`);
        }
        out.set(d.name, d.path);
      }
    }
    for (const cycle of findCycles(edges)) {
      const first = cycle[0] as string;
      const at = edges.get(first)?.get(cycle[1] ?? first) ?? [kind === 'container' ? 'containers' : 'services', first];
      ctx.errorAtKey(at, `depends_on forms a cycle: ${[...cycle, first].map((n) => `${kind}/${n}`).join(' -> ')}`);
    }
  }
}

/** Each elementary cycle found by a depth-first search, rotated to start at its smallest name. */
export function findCycles(edges: ReadonlyMap<string, ReadonlyMap<string, unknown>>): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const found = new Map<string, string[]>();
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of [...(edges.get(node)?.keys() ?? [])].sort()) {
      if (state.get(next) === 'open') {
        const cycle = stack.slice(stack.indexOf(next));
        const start = cycle.indexOf([...cycle].sort()[0] as string);
        const rotated = [...cycle.slice(start), ...cycle.slice(0, start)];
        found.set(rotated.join('\0'), rotated);
      } else if (!state.has(next) && edges.has(next)) {
        visit(next);
      }
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...edges.keys()].sort()) if (!state.has(node)) visit(node);
  return [...found.values()];
}

/**
 * No two published ports may claim the same host port: among containers (an empty host address
 * means all of them), among services (a Swarm port is taken on every node), and between a
 * container and a service (ingress takes the port on this host too).
 */
export function checkPublishedPorts(ctx: Context, refs: readonly WorkloadRefs[]): void {
  const claimed: (PublishedPort & { owner: string; kind: 'container' | 'service' })[] = [];
  for (const w of refs) {
    for (const p of w.ports) {
      const clash = claimed.find(
        (c) => c.published === p.published && c.protocol === p.protocol && (w.kind === 'service' || c.kind === 'service' || c.hostIp === '' || p.hostIp === '' || c.hostIp === p.hostIp),
      );
      if (clash !== undefined) {
        const by = clash.owner === `${w.kind}/${w.name}` ? 'another entry' : clash.owner;
        ctx.error(p.path, `the host port ${p.published}/${p.protocol} is already published by ${by} (${formatPath(clash.path)})`);
        continue;
      }
      claimed.push({ ...p, owner: `${w.kind}/${w.name}`, kind: w.kind });
    }
  }
}
