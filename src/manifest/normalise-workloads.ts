// Containers and services: manifest definitions -> desired specs, with every short syntax
// expanded and every default filled in (see the conventions at the top of model/desired.ts). What
// they refer to (networks, volumes, secrets, configs, dependencies, published ports) is recorded
// in WorkloadRefs for the cross-object checks (checks.ts).
import path from 'node:path';
import { isIP } from 'node:net';
import type {
  ContainerNetworkAttachment,
  ContainerPort,
  ContainerSpec,
  DependencyCondition,
  DesiredContainer,
  DesiredService,
  FileReference,
  Healthcheck,
  LoggingSpec,
  Mount,
  Protocol,
  ServicePort,
  ServiceSpec,
  SensitiveEnvironment,
  StringMap,
  Ulimit,
  UpdateConfig,
} from '../model/desired.js';
import { healthcheckWithoutZeros, mountWithoutZeros, unsetZero } from '../model/engine-zeros.js';
import { engineName } from '../model/labels.js';
import { compareText } from '../model/order.js';
import { type Verdict, checkCapability, checkImageReference, checkStopSignal } from './engine-values.js';
import { parseEnvFile } from './env-file.js';
import { type ValuePath, quoteValue } from './issues.js';
import type * as M from './manifest-types.js';
import { type Context, sortedRecord } from './normalise-context.js';
import {
  type Parsed,
  type PortBinding,
  checkExtraHost,
  expandPortRanges,
  isHostPath,
  normaliseCapability,
  parseCpus,
  parseDuration,
  parseExtraHost,
  parseMountShort,
  parseOctalMode,
  parsePortRange,
  parsePortShort,
  parseRestart,
  parseSize,
  parseTmpfs,
  splitShellWords,
} from './syntax.js';

export interface Reference {
  readonly name: string;
  readonly path: ValuePath;
}

export interface PublishedPort {
  readonly published: number;
  readonly protocol: Protocol;
  readonly hostIp: string;
  readonly path: ValuePath;
}

/** What a container or service refers to, with where, for the cross-object checks. */
export interface WorkloadRefs {
  readonly kind: 'container' | 'service';
  readonly name: string;
  /** `implicit`: the workload has no networks: and joins `default`. */
  readonly networks: (Reference & { readonly implicit: boolean })[];
  readonly volumes: Reference[];
  readonly secrets: Reference[];
  readonly configs: Reference[];
  readonly dependsOn: (Reference & { readonly condition: DependencyCondition })[];
  readonly ports: PublishedPort[];
  readonly healthcheckDisabled: boolean;
}

/** Host paths whose bind mount hands the container the host (CIS Docker Benchmark 5.5, 5.31). */
const SENSITIVE_HOST_PATHS: Readonly<Record<string, string>> = {
  '/var/run/docker.sock': 'the Docker socket gives the container full control of the Engine (root on the host)',
  '/run/docker.sock': 'the Docker socket gives the container full control of the Engine (root on the host)',
  ...Object.fromEntries(['/', '/etc', '/boot', '/dev', '/lib', '/proc', '/sys', '/usr'].map((p) => [p, `the host's ${p} is a system directory`])),
};

/** The parts containers and services share. */
class Workload {
  readonly ctx: Context;
  readonly refs: WorkloadRefs;
  readonly base: ValuePath;
  /** Environment keys whose values are not written in the manifest as they are (see SensitiveEnvironment). */
  readonly #sensitiveEnvironment = new Set<string>();

  constructor(ctx: Context, kind: 'container' | 'service', name: string) {
    this.ctx = ctx;
    this.base = [kind === 'container' ? 'containers' : 'services', name];
    this.refs = { kind, name, networks: [], volumes: [], secrets: [], configs: [], dependsOn: [], ports: [], healthcheckDisabled: false };
  }

  get name(): string {
    return this.refs.name;
  }

  at(...rest: (string | number)[]): ValuePath {
    return [...this.base, ...rest];
  }

  /** The value of a parse, or null after reporting its error at `at`. */
  parsed<T>(result: Parsed<T>, at: ValuePath): T | null {
    if (result.ok) return result.value;
    this.ctx.error(at, result.error);
    return null;
  }

  /** Reports a check's error or warning at `at`. */
  report(verdict: Verdict, at: ValuePath): void {
    if (verdict?.severity === 'error') this.ctx.error(at, verdict.message);
    else if (verdict?.severity === 'warning') this.ctx.warning(at, verdict.message);
  }

  image(value: string): string {
    // Not a string: the schema refused it already.
    if (typeof value === 'string') this.report(checkImageReference(value, this.refs.kind), this.at('image'));
    return value;
  }

  stopSignal(value: string | undefined): string | null {
    if (value === undefined) return null;
    this.report(checkStopSignal(value), this.at('stop_signal'));
    return value;
  }

  duration(value: string | undefined, at: ValuePath): number | null {
    return value === undefined ? null : this.parsed(parseDuration(value), at);
  }

  size(value: string | number | undefined, at: ValuePath): number | null {
    return value === undefined ? null : this.parsed(parseSize(value), at);
  }

  cpus(value: string | number | undefined, at: ValuePath): number | null {
    return value === undefined ? null : this.parsed(parseCpus(value), at);
  }

  mode(value: string | number, at: ValuePath, max?: number): number | null {
    return this.parsed(parseOctalMode(this.ctx.text(at, value), max), at);
  }

  command(value: M.Command | undefined, field: string): string[] | null {
    if (value === undefined) return null;
    if (typeof value === 'string') return this.parsed(splitShellWords(value), this.at(field));
    return value.map((word, i) => this.ctx.text(this.at(field, i), word));
  }

  user(value: M.User | undefined): string | null {
    return value === undefined ? null : this.ctx.text(this.at('user'), value);
  }

  workingDir(value: string | undefined): string | null {
    if (value !== undefined && !value.startsWith('/')) this.ctx.error(this.at('working_dir'), 'must be an absolute path');
    return value ?? null;
  }

  /** env_file entries first, then environment: (which wins), as in Compose. */
  environment(envFile: M.StringOrList | undefined, environment: M.Environment | undefined): StringMap {
    const out: Record<string, string> = {};
    const { lookup, files, projectDir, displayPath, locator } = this.ctx.input;
    const set = (key: string, value: string | null, asWritten: boolean): void => {
      const v = value ?? lookup(key); // a bare KEY takes moor's environment, and is left out when unset
      if (v === undefined) delete out[key];
      else out[key] = v;
      if (asWritten && value !== null) this.#sensitiveEnvironment.delete(key);
      else this.#sensitiveEnvironment.add(key);
    };
    const envFiles = envFile === undefined ? [] : typeof envFile === 'string' ? [envFile] : envFile;
    envFiles.forEach((written, i) => {
      const at = typeof envFile === 'string' ? this.at('env_file') : this.at('env_file', i);
      const read = files.get(written);
      if (read === undefined) return;
      if (!read.ok) return this.ctx.error(at, read.error);
      let text: string;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(read.bytes);
      } catch {
        return this.ctx.error(at, `${quoteValue(written)} is not UTF-8 text`);
      }
      const parsed = parseEnvFile(text);
      const file = displayPath(path.resolve(projectDir, written));
      for (const p of parsed.problems) this.ctx.issues.add('error', { file, line: p.line, column: p.column }, [], p.message, null);
      for (const entry of parsed.entries) set(entry.key, entry.value, false);
    });
    for (const [key, value, at] of this.ctx.keyValues(environment, this.at('environment'))) {
      // Written as it is: not interpolated, or only `$$` escapes in it (a default is a value too).
      const node = locator.node(at);
      set(key, value, node?.kind === 'scalar' && (node.source === undefined || node.source.replaceAll('$$', '$') === node.text));
    }
    return sortedRecord(out);
  }

  /** The keys of `environment` (as environment() made it) whose values may be secrets. */
  sensitiveEnvironment(environment: StringMap): { readonly sensitiveEnvironment?: SensitiveEnvironment } {
    const keys = [...this.#sensitiveEnvironment].filter((key) => Object.hasOwn(environment, key)).sort(compareText);
    return keys.length === 0 ? {} : { sensitiveEnvironment: keys };
  }

  healthcheck(hc: M.HealthcheckSpec | undefined): Healthcheck | null {
    if (hc === undefined) return null;
    const at = (field: string): ValuePath => this.at('healthcheck', field);
    if (hc.disable === true) {
      if (hc.test !== undefined) this.ctx.error(at('test'), 'a disabled healthcheck (disable: true) has no test');
      (this.refs as { healthcheckDisabled: boolean }).healthcheckDisabled = true;
      return { test: ['NONE'], interval: null, timeout: null, retries: null, startPeriod: null };
    }
    // A zero timing or retries is the Engine's default, as when not given (model/engine-zeros.ts).
    return healthcheckWithoutZeros({
      test: this.healthTest(hc.test, at('test')),
      interval: this.duration(hc.interval, at('interval')),
      timeout: this.duration(hc.timeout, at('timeout')),
      retries: hc.retries ?? null,
      startPeriod: this.duration(hc.start_period, at('start_period')),
    });
  }

  /** [] (no test given) keeps the image's test, as the Engine does with an empty Test. */
  healthTest(test: string | (string | number)[] | undefined, at: ValuePath): string[] {
    if (test === undefined) return [];
    if (typeof test === 'string') {
      if (test.trim() === '') this.ctx.error(at, 'the test command is empty');
      return ['CMD-SHELL', test];
    }
    const words = test.map((w, i) => this.ctx.text([...at, i], w));
    const [first, ...rest] = words;
    if (first === 'NONE') {
      if (rest.length > 0) this.ctx.error(at, '["NONE"] takes no arguments');
    } else if (first === 'CMD-SHELL') {
      if (rest.length !== 1) this.ctx.error(at, '["CMD-SHELL", ...] takes exactly one command string');
    } else if (first === 'CMD') {
      if (rest.length === 0) this.ctx.error(at, '["CMD", ...] needs a command');
    } else {
      this.ctx.error(at, 'a test list starts with "CMD", "CMD-SHELL" or "NONE" (or give a string to run with the shell)');
    }
    return words;
  }

  logging(value: M.Logging | undefined): LoggingSpec | null {
    return value === undefined ? null : { driver: value.driver, options: this.ctx.options(value.options, this.at('logging', 'options')) };
  }

  labels(value: M.Labels | undefined, field = 'labels'): StringMap {
    return this.ctx.labels(value, this.at(field));
  }

  mounts(items: readonly M.Mount[] | undefined): Mount[] {
    const out: { mount: Mount; at: ValuePath }[] = [];
    (items ?? []).forEach((item, i) => {
      const at = this.at('volumes', i);
      const mount = typeof item === 'string' ? this.shortMount(item, at) : this.longMount(item, at);
      if (mount === null) return;
      const twin = out.find((m) => m.mount.target === mount.target);
      if (twin !== undefined) return this.ctx.error(at, `${quoteValue(mount.target)} is already mounted by volumes[${String(twin.at[twin.at.length - 1])}]`);
      out.push({ mount, at });
    });
    return out.map((m) => m.mount).sort((a, b) => compareText(a.target, b.target));
  }

  shortMount(spec: string, at: ValuePath): Mount | null {
    const m = this.parsed(parseMountShort(spec), at);
    if (m === null) return null;
    if (m.bind) {
      const source = this.hostPath(m.source, at);
      return source === null ? null : { type: 'bind', source, target: m.target, readOnly: m.readOnly };
    }
    if (m.source !== '') this.refs.volumes.push({ name: m.source, path: at });
    return { type: 'volume', source: m.source, target: m.target, readOnly: m.readOnly, noCopy: m.noCopy };
  }

  longMount(item: M.MountLong, at: ValuePath): Mount | null {
    if (!item.target.startsWith('/')) {
      this.ctx.error([...at, 'target'], 'must be an absolute path in the container');
      return null;
    }
    for (const option of ['volume', 'tmpfs'] as const) {
      if (item[option] !== undefined && item.type !== option) this.ctx.errorAtKey([...at, option], `${option}: options apply to type: ${option} only`);
    }
    const readOnly = item.read_only ?? false;
    switch (item.type) {
      case 'volume': {
        const source = item.source ?? '';
        if (isHostPath(source)) {
          this.ctx.error([...at, 'source'], 'a volume mount takes a volume name: use type: bind for a host path');
          return null;
        }
        if (source !== '') this.refs.volumes.push({ name: source, path: [...at, 'source'] });
        return { type: 'volume', source, target: item.target, readOnly, noCopy: item.volume?.nocopy ?? false };
      }
      case 'bind': {
        if (item.source === undefined || item.source === '') {
          this.ctx.errorAtKey(at, 'a bind mount needs a source (a host path)');
          return null;
        }
        const source = this.hostPath(item.source, [...at, 'source']);
        return source === null ? null : { type: 'bind', source, target: item.target, readOnly };
      }
      case 'tmpfs': {
        if (item.source !== undefined) this.ctx.errorAtKey([...at, 'source'], 'a tmpfs mount has no source');
        if (item.read_only !== undefined) this.ctx.errorAtKey([...at, 'read_only'], 'a tmpfs mount cannot be read-only');
        const mode = item.tmpfs?.mode;
        // Size 0 and mode 0 are the Engine's defaults (model/engine-zeros.ts).
        return mountWithoutZeros({ type: 'tmpfs', target: item.target, size: this.size(item.tmpfs?.size, [...at, 'tmpfs', 'size']), mode: mode === undefined ? null : this.mode(mode, [...at, 'tmpfs', 'mode'], 0o7777) });
      }
    }
  }

  /** A bind source -> an absolute host path (relative to the project folder; `~` is $HOME). */
  hostPath(source: string, at: ValuePath): string | null {
    let resolved: string;
    if (source === '~' || source.startsWith('~/')) {
      const home = this.ctx.input.home;
      if (home === null) {
        this.ctx.error(at, 'cannot expand "~": HOME is not set');
        return null;
      }
      resolved = path.join(home, source.slice(1));
    } else if (source.startsWith('~')) {
      this.ctx.error(at, '"~user" paths are not supported: write the path out');
      return null;
    } else {
      resolved = path.resolve(this.ctx.input.projectDir, source);
    }
    const danger = SENSITIVE_HOST_PATHS[resolved];
    if (danger !== undefined) this.ctx.warning(at, `bind-mounts ${resolved}: ${danger}`);
    return resolved;
  }

  /** Networks as a list or a map; none given means the project's `default` network. */
  networks<A>(value: M.ContainerNetworks | M.ServiceNetworks | undefined, attach: (options: M.ContainerNetworkOptions | null, at: ValuePath) => A): Record<string, A> {
    const out: Record<string, A> = {};
    const entries: [string, M.ContainerNetworkOptions | null, ValuePath][] = Array.isArray(value)
      ? value.map((n, i) => [n, null, this.at('networks', i)])
      : Object.keys(value ?? {}).map((n) => [n, (value as Record<string, M.ContainerNetworkOptions | null>)[n] ?? null, this.at('networks', n)]);
    if (entries.length === 0) {
      this.refs.networks.push({ name: 'default', path: this.base, implicit: true });
      return { default: attach(null, this.base) };
    }
    for (const [name, options, at] of entries) {
      if (Object.hasOwn(out, name)) {
        this.ctx.error(at, `the network ${quoteValue(name)} is listed twice`);
        continue;
      }
      this.refs.networks.push({ name, path: at, implicit: false });
      out[name] = attach(options, at);
    }
    return sortedRecord(out);
  }

  /** Sorted, without repeats, and always with the workload's own name (Compose's service alias). */
  aliases(extra: readonly string[] | undefined): string[] {
    return [...new Set([this.name, ...(extra ?? [])])].sort(compareText);
  }

  dependsOn(value: M.DependsOn | undefined): void {
    if (value === undefined) return;
    if (Array.isArray(value)) {
      const seen = new Set<string>();
      value.forEach((name, i) => {
        if (seen.has(name)) return this.ctx.error(this.at('depends_on', i), `${quoteValue(name)} is listed twice`);
        seen.add(name);
        this.refs.dependsOn.push({ name, path: this.at('depends_on', i), condition: 'service_started' });
      });
      return;
    }
    for (const name of Object.keys(value)) this.refs.dependsOn.push({ name, path: this.at('depends_on', name), condition: value[name]?.condition ?? 'service_started' });
  }

  /** Long-syntax port fields shared by containers and services: bindings, or null after reporting. */
  longPort(item: M.PortLong, at: ValuePath, hostIp: string): PortBinding[] | null {
    let published: readonly [number, number] | null = null;
    if (typeof item.published === 'number') published = [item.published, item.published];
    else if (item.published !== undefined) published = this.parsed(parsePortRange(item.published, 'published port'), [...at, 'published']);
    if (item.published !== undefined && published === null && typeof item.published !== 'number') return null;
    if (published !== null && (published[0] < 1 || published[1] > 65535)) {
      this.ctx.error([...at, 'published'], 'must be a port between 1 and 65535');
      return null;
    }
    return this.parsed(expandPortRanges([item.target, item.target], published, hostIp, item.protocol ?? 'tcp'), at);
  }

  recordPorts(bindings: readonly PortBinding[], at: ValuePath): void {
    for (const b of bindings) if (b.published !== null) this.refs.ports.push({ published: b.published, protocol: b.protocol, hostIp: b.hostIp, path: at });
  }
}

// ---------------------------------------------------------------------------------------------
// Containers

export function normaliseContainer(ctx: Context, name: string, def: M.Container): { desired: DesiredContainer; refs: WorkloadRefs } {
  const w = new Workload(ctx, 'container', name);
  w.dependsOn(def.depends_on);
  const spec: ContainerSpec = {
    image: w.image(def.image),
    command: w.command(def.command, 'command'),
    entrypoint: w.command(def.entrypoint, 'entrypoint'),
    environment: w.environment(def.env_file, def.environment),
    ports: containerPorts(w, def.ports),
    mounts: w.mounts(def.volumes),
    networks: w.networks(def.networks, (options, at): ContainerNetworkAttachment => {
      const ip = options?.ipv4_address ?? null;
      if (ip !== null && isIP(ip) !== 4) ctx.error([...at, 'ipv4_address'], `invalid IPv4 address ${quoteValue(ip)}`);
      return { aliases: w.aliases(options?.aliases), ipv4Address: ip };
    }),
    restart: def.restart === undefined ? { name: 'no', maxRetries: 0 } : parseRestart(def.restart),
    healthcheck: w.healthcheck(def.healthcheck),
    labels: w.labels(def.labels),
    user: w.user(def.user),
    workingDir: w.workingDir(def.working_dir),
    hostname: def.hostname ?? null,
    capAdd: capabilities(w, 'cap_add', def.cap_add),
    capDrop: capabilities(w, 'cap_drop', def.cap_drop),
    privileged: def.privileged ?? false,
    readOnly: def.read_only ?? false,
    tmpfs: tmpfs(w, def.tmpfs),
    init: def.init ?? null,
    extraHosts: extraHosts(w, def.extra_hosts),
    dns: def.dns === undefined ? [] : typeof def.dns === 'string' ? [def.dns] : [...def.dns],
    sysctls: sysctls(w, def.sysctls),
    ulimits: ulimits(w, def.ulimits),
    logging: w.logging(def.logging),
    stopSignal: w.stopSignal(def.stop_signal),
    stopGracePeriod: w.duration(def.stop_grace_period, w.at('stop_grace_period')),
    memLimit: unsetZero(w.size(def.mem_limit, w.at('mem_limit'))), // 0: no limit (model/engine-zeros.ts)
    cpus: w.cpus(def.cpus, w.at('cpus')),
  };
  const dependsOn: Record<string, { condition: DependencyCondition }> = {};
  for (const d of w.refs.dependsOn) dependsOn[d.name] = { condition: d.condition };
  return { desired: { kind: 'container', name, engineName: engineName(ctx.project, name), spec, dependsOn: sortedRecord(dependsOn), ...w.sensitiveEnvironment(spec.environment) }, refs: w.refs };
}

function containerPorts(w: Workload, items: readonly M.Port[] | undefined): ContainerPort[] {
  const out: ContainerPort[] = [];
  (items ?? []).forEach((item, i) => {
    const at = w.at('ports', i);
    let bindings: PortBinding[] | null;
    if (typeof item === 'object') {
      if (item.mode === 'ingress') {
        w.ctx.error([...at, 'mode'], 'containers publish ports in host mode only (ingress is for services)');
        return;
      }
      const hostIp = item.host_ip ?? '';
      if (hostIp !== '' && isIP(hostIp) === 0) {
        w.ctx.error([...at, 'host_ip'], `invalid IP address ${quoteValue(hostIp)}`);
        return;
      }
      bindings = w.longPort(item, at, hostIp);
    } else {
      bindings = w.parsed(parsePortShort(item), at);
    }
    if (bindings === null) return;
    w.recordPorts(bindings, at);
    out.push(...bindings);
  });
  return out.sort((a, b) => a.target - b.target || compareText(a.protocol, b.protocol) || compareText(a.hostIp, b.hostIp) || (a.published ?? 0) - (b.published ?? 0));
}

function capabilities(w: Workload, field: 'cap_add' | 'cap_drop', caps: readonly string[] | undefined): string[] {
  const names = (caps ?? []).map((cap, i) => {
    const name = normaliseCapability(cap);
    w.report(checkCapability(name, cap), w.at(field, i));
    return name;
  });
  return [...new Set(names)].sort(compareText);
}

function tmpfs(w: Workload, value: M.StringOrList | undefined): StringMap {
  const out: Record<string, string> = {};
  const items = value === undefined ? [] : typeof value === 'string' ? [value] : value;
  items.forEach((item, i) => {
    const at = typeof value === 'string' ? w.at('tmpfs') : w.at('tmpfs', i);
    const entry = w.parsed(parseTmpfs(item), at);
    if (entry === null) return;
    if (Object.hasOwn(out, entry[0])) return w.ctx.error(at, `${quoteValue(entry[0])} is given twice`);
    out[entry[0]] = entry[1];
  });
  return sortedRecord(out);
}

function extraHosts(w: Workload, value: M.ExtraHosts | undefined): string[] {
  const out = new Set<string>();
  if (Array.isArray(value)) value.forEach((item, i) => void addIf(out, w.parsed(parseExtraHost(item), w.at('extra_hosts', i))));
  else for (const host of Object.keys(value ?? {})) addIf(out, w.parsed(checkExtraHost(host, value?.[host] ?? '', false), w.at('extra_hosts', host)));
  return [...out].sort(compareText);
}

function addIf(set: Set<string>, value: string | null): void {
  if (value !== null) set.add(value);
}

function sysctls(w: Workload, value: M.Sysctls | undefined): StringMap {
  const out: Record<string, string> = {};
  for (const [key, v, at] of w.ctx.keyValues(value, w.at('sysctls'))) {
    if (v === null) w.ctx.error(at, 'needs a value (KEY=VALUE)');
    else out[key] = v;
  }
  return sortedRecord(out);
}

function ulimits(w: Workload, value: M.Ulimits | undefined): Record<string, Ulimit> {
  const out: Record<string, Ulimit> = {};
  for (const name of Object.keys(value ?? {}).sort()) {
    const limit = value?.[name];
    if (limit === undefined) continue;
    const u = typeof limit === 'number' ? { soft: limit, hard: limit } : { soft: limit.soft, hard: limit.hard };
    if (u.soft > u.hard) w.ctx.error(w.at('ulimits', name), `the soft limit (${u.soft}) is above the hard limit (${u.hard})`);
    out[name] = u;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Services

const SWARM_UPDATE_DEFAULTS: UpdateConfig = { parallelism: 1, delay: 0, failureAction: 'pause', monitor: 5e9, maxFailureRatio: 0, order: 'stop-first' };

export function normaliseService(ctx: Context, name: string, def: M.Service): { desired: DesiredService; refs: WorkloadRefs } {
  const w = new Workload(ctx, 'service', name);
  w.dependsOn(def.depends_on);
  for (const d of w.refs.dependsOn) {
    if (d.condition !== 'service_started') ctx.warning(d.path, `the condition ${d.condition} is not enforced for services: depends_on only orders their creation`);
  }
  const mode = def.mode ?? 'replicated';
  if (mode === 'global' && def.replicas !== undefined) ctx.errorAtKey(w.at('replicas'), 'a global service runs one task on every node: remove replicas, or use mode: replicated');
  const endpointMode = def.endpoint_mode ?? 'vip';
  const spec: ServiceSpec = {
    image: w.image(def.image),
    command: w.command(def.command, 'command'),
    entrypoint: w.command(def.entrypoint, 'entrypoint'),
    environment: w.environment(def.env_file, def.environment),
    ports: servicePorts(w, def.ports, endpointMode),
    mounts: w.mounts(def.volumes),
    networks: w.networks(def.networks, (options) => ({ aliases: w.aliases(options?.aliases) })),
    secrets: fileReferences(w, 'secrets', def.secrets),
    configs: fileReferences(w, 'configs', def.configs),
    mode,
    replicas: mode === 'global' ? null : (def.replicas ?? 1),
    updateConfig: updateConfig(w, def.update_config, 'update_config'),
    rollbackConfig: updateConfig(w, def.rollback_config, 'rollback_config'),
    restartPolicy:
      def.restart_policy === undefined
        ? null
        : {
            condition: def.restart_policy.condition ?? 'any',
            delay: w.duration(def.restart_policy.delay, w.at('restart_policy', 'delay')),
            // 0 is Swarm's "no limit", the same as not set (and what Swarm reads back for it).
            maxAttempts: unsetZero(def.restart_policy.max_attempts ?? null),
            window: w.duration(def.restart_policy.window, w.at('restart_policy', 'window')),
          },
    placement: placement(w, def.placement),
    // Zero limits and reservations are no limit and no reservation (model/engine-zeros.ts).
    resources: {
      limits: {
        cpus: w.cpus(def.resources?.limits?.cpus, w.at('resources', 'limits', 'cpus')),
        memory: unsetZero(w.size(def.resources?.limits?.memory, w.at('resources', 'limits', 'memory'))),
        pids: unsetZero(def.resources?.limits?.pids ?? null),
      },
      reservations: {
        cpus: w.cpus(def.resources?.reservations?.cpus, w.at('resources', 'reservations', 'cpus')),
        memory: unsetZero(w.size(def.resources?.reservations?.memory, w.at('resources', 'reservations', 'memory'))),
      },
    },
    healthcheck: w.healthcheck(def.healthcheck),
    labels: w.labels(def.labels),
    containerLabels: w.labels(def.container_labels, 'container_labels'),
    user: w.user(def.user),
    workingDir: w.workingDir(def.working_dir),
    hostname: def.hostname ?? null,
    stopSignal: w.stopSignal(def.stop_signal),
    stopGracePeriod: w.duration(def.stop_grace_period, w.at('stop_grace_period')),
    readOnly: def.read_only ?? false,
    init: def.init ?? null,
    logging: w.logging(def.logging),
    endpointMode,
  };
  const dependsOn = [...new Set(w.refs.dependsOn.map((d) => d.name))].sort(compareText);
  return { desired: { kind: 'service', name, engineName: engineName(ctx.project, name), spec, dependsOn, ...w.sensitiveEnvironment(spec.environment) }, refs: w.refs };
}

function servicePorts(w: Workload, items: readonly M.Port[] | undefined, endpointMode: 'vip' | 'dnsrr'): ServicePort[] {
  const out: ServicePort[] = [];
  (items ?? []).forEach((item, i) => {
    const at = w.at('ports', i);
    const mode = typeof item === 'object' ? (item.mode ?? 'ingress') : 'ingress';
    if (typeof item === 'object' && item.host_ip !== undefined) {
      w.ctx.errorAtKey([...at, 'host_ip'], 'services cannot bind a host address: Swarm publishes on every address');
      return;
    }
    const bindings = typeof item === 'object' ? w.longPort(item, at, '') : w.parsed(parsePortShort(item), at);
    if (bindings === null) return;
    if (bindings.some((b) => b.hostIp !== '')) {
      w.ctx.error(at, 'services cannot bind a host address: Swarm publishes on every address');
      return;
    }
    if (mode === 'ingress' && endpointMode === 'dnsrr' && bindings.some((b) => b.published !== null)) {
      w.ctx.error(at, 'ports published through the ingress need endpoint_mode: vip; with dnsrr publish in mode: host');
    }
    w.recordPorts(bindings, at);
    for (const b of bindings) out.push({ target: b.target, published: b.published, protocol: b.protocol, mode });
  });
  return out.sort((a, b) => a.target - b.target || compareText(a.protocol, b.protocol) || (a.published ?? 0) - (b.published ?? 0) || compareText(a.mode, b.mode));
}

function fileReferences(w: Workload, field: 'secrets' | 'configs', items: readonly M.FileReference[] | undefined): FileReference[] {
  const out: { ref: FileReference; at: ValuePath }[] = [];
  (items ?? []).forEach((item, i) => {
    const at = w.at(field, i);
    const long = typeof item === 'string' ? { source: item } : item;
    (field === 'secrets' ? w.refs.secrets : w.refs.configs).push({ name: long.source, path: typeof item === 'string' ? at : [...at, 'source'] });
    let target = long.target ?? (field === 'secrets' ? long.source : `/${long.source}`);
    // One spelling for one file: a secret at /run/secrets/<name> is the target <name>.
    if (field === 'secrets' && target.startsWith('/run/secrets/')) target = target.slice('/run/secrets/'.length);
    const mode = long.mode === undefined ? 0o444 : w.mode(long.mode, [...at, 'mode']);
    if (mode === null) return;
    if (field === 'secrets' && (mode & 0o022) !== 0) w.ctx.warning([...at, 'mode'], `mode 0${mode.toString(8)} lets other users change the secret file; 0400 or 0440 is safer`);
    const ref: FileReference = {
      source: long.source,
      target,
      uid: long.uid === undefined ? '0' : w.ctx.text([...at, 'uid'], long.uid),
      gid: long.gid === undefined ? '0' : w.ctx.text([...at, 'gid'], long.gid),
      mode,
    };
    const twin = out.find((o) => o.ref.target === target);
    if (twin !== undefined) return w.ctx.error(at, `the target ${quoteValue(target)} is already used by ${field}[${String(twin.at[twin.at.length - 1])}]`);
    out.push({ ref, at });
  });
  return out.map((o) => o.ref).sort((a, b) => compareText(a.target, b.target));
}

function updateConfig(w: Workload, value: M.UpdateConfigSpec | undefined, field: 'update_config' | 'rollback_config'): UpdateConfig | null {
  if (value === undefined) return null;
  if (field === 'rollback_config' && value.failure_action === 'rollback') {
    w.ctx.error(w.at(field, 'failure_action'), 'a rollback that fails cannot roll back: use continue or pause');
  }
  const d = SWARM_UPDATE_DEFAULTS;
  return {
    parallelism: value.parallelism ?? d.parallelism,
    delay: w.duration(value.delay, w.at(field, 'delay')) ?? d.delay,
    failureAction: value.failure_action ?? d.failureAction,
    monitor: w.duration(value.monitor, w.at(field, 'monitor')) ?? d.monitor,
    maxFailureRatio: value.max_failure_ratio ?? d.maxFailureRatio,
    order: value.order ?? d.order,
  };
}

function placement(w: Workload, value: M.PlacementSpec | undefined): ServiceSpec['placement'] {
  (value?.constraints ?? []).forEach((c, i) => {
    if (!/^[^=!]+(==|!=)[^=!]+$/.test(c)) {
      const hint = /^[^=!]+=[^=!]+$/.test(c) ? 'compare with == or !=, e.g. "node.role == manager"' : 'expected e.g. "node.role == manager"';
      w.ctx.error(w.at('placement', 'constraints', i), `invalid constraint ${quoteValue(c)}: ${hint}`);
    }
  });
  return {
    constraints: [...(value?.constraints ?? [])].sort(compareText),
    preferences: (value?.preferences ?? []).map((p) => ({ spread: p.spread })),
    // 0 is Swarm's "no limit" (model/engine-zeros.ts).
    maxReplicas: unsetZero(value?.max_replicas_per_node ?? null),
  };
}

