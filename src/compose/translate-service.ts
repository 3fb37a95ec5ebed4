// One Compose service -> the fields of a moor container (--as containers) or Swarm service (--as
// services), with `deploy:` read the way `docker compose up` or `docker stack deploy` reads it.
// The draft it returns is finished by translate.ts (replicas, depends_on, aliases).
import type { SourceLocation } from '../model/desired.js';
import { type ValuePath, formatPath, quoteValue } from '../manifest/issues.js';
import type { MapEntry, MapNode, Node } from '../manifest/tree.js';
import { COMPOSE_SERVICE_FIELDS, refusalFor } from './fields.js';
import { at, booleanOf, coerce, get, integerOf, isMap, isNoop, isSeq, map, scalar, text, writtenText } from './nodes.js';
import type { Tx } from './translate.js';

export interface DraftField {
  /** The moor field. */
  readonly key: string;
  readonly keyLoc: SourceLocation;
  readonly value: Node;
  /** The Compose path the value comes from. */
  readonly from: ValuePath;
  /** An item of the moor list `key` (ports, volumes): lists are built from items of several origins. */
  readonly item?: boolean;
  /** A port item with a fixed host port: several containers of one service cannot all bind it. */
  readonly fixedPort?: boolean;
}

export interface Dependency {
  readonly name: string;
  readonly condition: string;
  readonly conditionLoc: SourceLocation;
  readonly keyLoc: SourceLocation;
  readonly path: ValuePath;
  readonly required: boolean;
}

export interface ServiceDraft {
  readonly name: string;
  readonly keyLoc: SourceLocation;
  readonly loc: SourceLocation;
  readonly fields: DraftField[];
  /** `deploy.replicas` or `scale`, when given. */
  readonly replicas?: { readonly count: number; readonly node: Node; readonly path: ValuePath };
  /** container_name (--as containers): kept as a network alias; translate.ts names the containers, so it says what they are. */
  readonly containerName?: { readonly name: string; readonly keyLoc: SourceLocation; readonly loc: SourceLocation };
  readonly dependsOn: Dependency[];
  readonly dependsOnLoc?: SourceLocation;
}

/** Fields of moor services that Compose writes under deploy: (a hint for misplaced ones). */
/** --as containers makes one container per replica: a count past this is a typo, not a plan (and a count like 1e300 cannot be made at all). */
const MAX_CONTAINER_REPLICAS = 1000;
const DEPLOY_FIELDS = ['replicas', 'mode', 'update_config', 'rollback_config', 'restart_policy', 'placement', 'resources', 'endpoint_mode'];

export function translateService(tx: Tx, name: string, entry: MapEntry): ServiceDraft | null {
  const def = entry.value;
  const base: ValuePath = ['services', name];
  if (!isMap(def)) {
    tx.error(def, base, `a service is a mapping of its settings, not ${def.kind === 'seq' ? 'a list' : 'a value'}`);
    return null;
  }
  const s = new ServiceTx(tx, name, def, entry.keyLoc);
  for (const [field, e] of def.entries) s.field(field, e);
  s.finish();
  return s.draft;
}

class ServiceTx {
  readonly tx: Tx;
  readonly name: string;
  readonly def: MapNode;
  readonly base: ValuePath;
  readonly fields: DraftField[] = [];
  readonly dependsOn: Dependency[] = [];
  readonly keyLoc: SourceLocation;
  #replicas: { count: number; node: Node; path: ValuePath } | undefined;
  #containerName: ServiceDraft['containerName'];
  #dependsOnLoc: SourceLocation | undefined;
  /** Values that deploy: may give too (mem_limit and deploy.resources.limits.memory...), by moor path below the workload. */
  readonly #resources = new Map<string, { node: Node; keyLoc: SourceLocation; from: ValuePath }>();
  #restart: MapEntry | undefined;
  #restartPolicy: { entry: MapEntry; path: ValuePath } | undefined;

  constructor(tx: Tx, name: string, def: MapNode, keyLoc: SourceLocation) {
    this.tx = tx;
    this.name = name;
    this.def = def;
    this.base = ['services', name];
    this.keyLoc = keyLoc;
  }

  get containers(): boolean {
    return this.tx.reading === 'containers';
  }

  get draft(): ServiceDraft {
    return {
      name: this.name,
      keyLoc: this.keyLoc,
      loc: this.def.loc,
      fields: this.fields,
      ...(this.#replicas === undefined ? {} : { replicas: this.#replicas }),
      ...(this.#containerName === undefined ? {} : { containerName: this.#containerName }),
      dependsOn: this.dependsOn,
      ...(this.#dependsOnLoc === undefined ? {} : { dependsOnLoc: this.#dependsOnLoc }),
    };
  }

  set(key: string, e: MapEntry, from: ValuePath, value: Node = e.value): void {
    this.fields.push({ key, keyLoc: e.keyLoc, value, from });
  }

  item(key: string, keyLoc: SourceLocation, value: Node, from: ValuePath, fixedPort = false): void {
    this.fields.push({ key, keyLoc, value, from, item: true, ...(fixedPort ? { fixedPort } : {}) });
  }

  field(field: string, e: MapEntry): void {
    const from: ValuePath = [...this.base, field];
    const value = e.value;
    if (field.startsWith('x-')) return;
    switch (field) {
      case 'image':
      case 'command':
      case 'entrypoint':
      case 'environment':
      case 'working_dir':
      case 'hostname':
      case 'user':
      case 'stop_signal':
      case 'stop_grace_period':
        return this.set(field, e, from);
      case 'init':
      case 'read_only':
        return this.set(field, e, from, coerce(value, 'boolean'));
      case 'profiles':
      case 'extends':
        return; // applied by the loader
      case 'build':
        return this.build(e, from);
      case 'env_file':
        return this.envFile(e, from);
      case 'healthcheck':
        return this.set(field, e, from, this.healthcheck(value, from));
      case 'ports':
        return this.ports(e, from);
      case 'volumes':
        return this.volumes(e, from);
      case 'networks':
        return this.networks(e, from);
      case 'depends_on':
        return this.dependencies(e, from);
      case 'labels':
        return this.set(this.containers ? 'labels' : 'container_labels', e, from);
      case 'restart':
        this.#restart = e;
        return;
      case 'mem_limit':
        return this.resource(this.containers ? 'mem_limit' : 'resources.limits.memory', e, from);
      case 'cpus':
        return this.resource(this.containers ? 'cpus' : 'resources.limits.cpus', e, from);
      case 'deploy':
        return this.deploy(e, from);
      case 'scale':
        return this.replicas(value, from);
      case 'secrets':
      case 'configs':
        return this.containers ? this.fileMounts(field, e, from) : this.set(field, e, from);
      case 'tmpfs':
        return this.containers ? this.set(field, e, from) : this.tmpfsMounts(e, from);
      case 'container_name':
        return this.containerName(e, from);
      case 'links':
        return this.links(e, from);
      case 'pull_policy':
        return this.pullPolicy(e, from);
      case 'logging':
        if (isMap(value) && get(value, 'driver') === undefined) return this.tx.error(e.keyLoc, from, "name the driver (driver: json-file is the Engine's usual default): moor does not fill it in");
        return this.set(field, e, from);
      case 'privileged':
        if (!this.containers) break;
        return this.set(field, e, from, coerce(value, 'boolean'));
      case 'cap_add':
      case 'cap_drop':
      case 'extra_hosts':
      case 'dns':
      case 'sysctls':
      case 'ulimits':
        if (!this.containers) break;
        return this.set(field, e, from, field === 'ulimits' ? this.ulimits(value) : value);
      case 'mem_reservation':
        if (this.containers) break;
        return this.resource('resources.reservations.memory', e, from);
      case 'pids_limit':
        if (this.containers) break;
        return this.resource('resources.limits.pids', e, from, coerce(value, 'integer'));
      default:
    }
    this.refuse(field, e, from);
  }

  refuse(field: string, e: MapEntry, from: ValuePath): void {
    const refusal = refusalFor(field, this.tx.reading);
    if (refusal === undefined) {
      const hint = DEPLOY_FIELDS.includes(field) ? `: in a Compose file, ${field} goes under deploy:` : '';
      return this.tx.unknown(e.keyLoc, from, COMPOSE_SERVICE_FIELDS, hint);
    }
    if (isNoop(e.value) && !(field === 'network_mode' && text(e.value) !== undefined)) return;
    if (refusal.severity === 'error') this.tx.error(e.keyLoc, from, refusal.message);
    else this.tx.warning(e.keyLoc, from, refusal.message);
  }

  finish(): void {
    const image = this.def.entries.get('image');
    const build = this.def.entries.get('build');
    if (build !== undefined) {
      const from = [...this.base, 'build'];
      if (image === undefined) {
        this.tx.error(build.keyLoc, from, 'moor does not build images: give the image to run with image: (build it beforehand, e.g. with docker compose build)');
        this.tx.imageExplained.add(formatPath(this.base));
      }
      else this.tx.warning(build.keyLoc, from, `ignored: moor does not build images; it runs ${quoteValue(writtenText(image.value) ?? '')} as it is (build it beforehand, e.g. with docker compose build)`);
    }
    this.finishRestart();
    for (const [key, r] of this.#resources) {
      if (this.containers) this.fields.push({ key, keyLoc: r.keyLoc, value: r.node, from: r.from });
    }
    if (!this.containers) this.finishServiceResources();
    if (this.dependsOn.length > 0 && !this.fields.some((f) => f.key === 'depends_on')) {
      this.fields.push({ key: 'depends_on', keyLoc: this.keyLoc, value: map([], this.keyLoc), from: [...this.base, 'depends_on'] });
    }
  }

  // -------------------------------------------------------------------------------------------
  // Simple fields

  build(_e: MapEntry, _from: ValuePath): void {
    // Reported in finish(), once it is known whether image: is given.
  }

  envFile(e: MapEntry, from: ValuePath): void {
    const value = e.value;
    if (!isSeq(value)) return this.set('env_file', e, from);
    // Item by item, each with its own Compose path: a skipped entry shifts the moor indices.
    value.items.forEach((item, i) => {
      if (!isMap(item)) return this.item('env_file', e.keyLoc, item, [...from, i]);
      const file = get(item, 'path');
      const format = get(item, 'format');
      if (format !== undefined && text(format) !== undefined) this.tx.error(format, [...from, i, 'format'], 'moor reads env files in the dotenv format only');
      if (file === undefined) return this.tx.error(item, [...from, i], 'an env_file entry needs a path');
      const written = text(file) ?? '';
      // required: false lets Compose skip a missing file.
      if (booleanOf(get(item, 'required')) === false && !this.tx.input.exists(this.tx.hostPath(written))) return;
      this.item('env_file', e.keyLoc, file, [...from, i]);
    });
  }

  healthcheck(value: Node, from: ValuePath): Node {
    if (!isMap(value)) return value;
    const out: [string, MapEntry][] = [];
    for (const [field, e] of value.entries) {
      if (field.startsWith('x-')) continue;
      if (field === 'start_interval') {
        this.tx.warning(e.keyLoc, [...from, field], 'ignored: the Engine API moor speaks (1.41) has no start interval; checks run at interval: during the start period too');
        continue;
      }
      out.push([field, { keyLoc: e.keyLoc, value: field === 'retries' ? coerce(e.value, 'integer') : field === 'disable' ? coerce(e.value, 'boolean') : e.value }]);
    }
    return map(out, value.loc);
  }

  ulimits(value: Node): Node {
    if (!isMap(value)) return value;
    return map(
      [...value.entries].map(([k, e]) => [k, { keyLoc: e.keyLoc, value: isMap(e.value) ? map([...e.value.entries].map(([f, x]) => [f, { keyLoc: x.keyLoc, value: coerce(x.value, 'integer') }]), e.value.loc) : coerce(e.value, 'integer') }]),
      value.loc,
    );
  }

  containerName(e: MapEntry, from: ValuePath): void {
    const name = text(e.value);
    if (name === undefined) return;
    if (!this.containers) return this.tx.warning(e.keyLoc, from, 'ignored: Swarm names the tasks of a service itself');
    this.#containerName = { name, keyLoc: e.keyLoc, loc: e.value.loc };
  }

  links(e: MapEntry, from: ValuePath): void {
    if (!isSeq(e.value)) return;
    e.value.items.forEach((item, i) => {
      const [target = '', alias] = (text(item) ?? '').split(':');
      const at_ = [...from, i];
      if (alias !== undefined && alias !== target) {
        // The link is quoted whole, never its alias alone: it may be an environment entry moved
        // here (AUTH=admin:secret), whose "alias" is the secret.
        return this.tx.error(item, at_, `link aliases are not supported (${quoteValue(text(item) ?? '')}): give the linked service the network alias instead (networks: {default: {aliases: [...]}})`);
      }
      if (!this.containers) return this.tx.warning(item, at_, 'ignored: services reach each other by name on their networks');
      this.tx.warning(item, at_, `not needed: containers on a shared network reach each other by name (${quoteValue(target)} is started first, as a link implies)`);
      if (!this.dependsOn.some((d) => d.name === target)) this.dependsOn.push({ name: target, condition: 'service_started', conditionLoc: item.loc, keyLoc: item.loc, path: at_, required: true });
    });
  }

  pullPolicy(e: MapEntry, from: ValuePath): void {
    const policy = text(e.value) ?? '';
    if (['missing', 'if_not_present', ''].includes(policy)) return;
    if (policy === 'build') return this.tx.error(e.keyLoc, from, 'moor does not build images: give the image to run with image:');
    const hint = policy === 'always' ? 'moor apply --pull always pulls every image' : policy === 'never' ? 'moor apply --pull never refuses missing images' : 'moor apply --pull always pulls every image';
    this.tx.warning(e.keyLoc, from, `ignored: moor pulls missing images (${hint})`);
  }

  // -------------------------------------------------------------------------------------------
  // Ports, volumes, networks, dependencies

  ports(e: MapEntry, from: ValuePath): void {
    if (!isSeq(e.value)) return this.set('ports', e, from);
    e.value.items.forEach((item, i) => {
      const at_ = [...from, i];
      if (!isMap(item)) return this.item('ports', e.keyLoc, item, at_, fixedHostPort(text(item)));
      const out: [string, MapEntry][] = [];
      for (const [field, x] of item.entries) {
        if (field.startsWith('x-')) continue;
        if (field === 'name' || field === 'app_protocol') {
          this.tx.warning(x.keyLoc, [...at_, field], 'ignored: moor does not name ports or record their application protocol');
          continue;
        }
        if (field === 'mode' && this.containers) {
          if (text(x.value) === 'ingress') this.tx.warning(x.keyLoc, [...at_, field], 'ignored: a container publishes on this host only (ingress is the Swarm routing mesh: --as services)');
          if (text(x.value) === 'host' || text(x.value) === 'ingress') continue;
        }
        out.push([field, { keyLoc: x.keyLoc, value: field === 'target' ? coerce(x.value, 'integer') : x.value }]);
      }
      const published = get(item, 'published');
      this.item('ports', e.keyLoc, map(out, item.loc), at_, published !== undefined && text(published) !== '');
    });
  }

  volumes(e: MapEntry, from: ValuePath): void {
    if (!isSeq(e.value)) return this.set('volumes', e, from);
    e.value.items.forEach((item, i) => {
      const mount = this.mount(item, [...from, i]);
      if (mount !== null) this.item('volumes', e.keyLoc, mount, [...from, i]);
    });
  }

  mount(item: Node, at_: ValuePath): Node | null {
    if (!isMap(item)) {
      const spec = text(item);
      if (spec === undefined) return item;
      const parts = spec.split(':');
      if (parts.length >= 2) this.checkBindSource(parts[0] ?? '', item, at_);
      if (parts.length !== 3) return item;
      const options = (parts[2] ?? '').split(',');
      const cosmetic = options.filter((o) => ['cached', 'delegated', 'consistent'].includes(o));
      if (cosmetic.length === 0) return item;
      this.tx.warning(item, at_, `ignored: the mount option ${cosmetic.join(', ')} only matters to Docker Desktop`);
      const kept = options.filter((o) => !cosmetic.includes(o));
      return scalar([parts[0], parts[1], ...(kept.length > 0 ? [kept.join(',')] : [])].join(':'), item.loc);
    }
    const type = text(get(item, 'type'));
    if (type !== undefined && !['volume', 'bind', 'tmpfs'].includes(type)) {
      this.tx.error(get(item, 'type') as Node, [...at_, 'type'], `moor mounts volumes, binds and tmpfs only (not ${quoteValue(type)})`);
      return null;
    }
    const out: [string, MapEntry][] = [];
    for (const [field, x] of item.entries) {
      const here = [...at_, field];
      if (field.startsWith('x-')) continue;
      if (field === 'consistency') {
        this.tx.warning(x.keyLoc, here, 'ignored: consistency only matters to Docker Desktop');
      } else if (field === 'bind') {
        this.bindOptions(x.value, here);
      } else if (field === 'volume' && isMap(x.value)) {
        const options = this.volumeOptions(x.value, here);
        if (options !== null) out.push([field, { keyLoc: x.keyLoc, value: options }]);
      } else {
        out.push([field, { keyLoc: x.keyLoc, value: field === 'read_only' ? coerce(x.value, 'boolean') : x.value }]);
      }
    }
    const source = text(get(item, 'source'));
    if (type === 'bind' && source !== undefined) this.checkBindSource(source, get(item, 'source') as Node, [...at_, 'source']);
    return map(out, item.loc);
  }

  bindOptions(options: Node, at_: ValuePath): void {
    if (!isMap(options)) return;
    for (const [field, x] of options.entries) {
      if (field === 'create_host_path' || field.startsWith('x-') || isNoop(x.value)) continue;
      if (field === 'propagation' && text(x.value) === 'rprivate') continue;
      this.tx.error(x.keyLoc, [...at_, field], `moor does not set bind ${field === 'selinux' ? 'SELinux labels' : field === 'recursive' ? 'recursion options' : 'propagation'}`);
    }
  }

  volumeOptions(options: MapNode, at_: ValuePath): Node | null {
    const out: [string, MapEntry][] = [];
    for (const [field, x] of options.entries) {
      if (field.startsWith('x-')) continue;
      if (field === 'nocopy') out.push([field, { keyLoc: x.keyLoc, value: coerce(x.value, 'boolean') }]);
      else if (!isNoop(x.value)) this.tx.error(x.keyLoc, [...at_, field], field === 'subpath' ? 'moor does not mount part of a volume (Engine API 1.45)' : 'moor does not set volume labels on a mount: label the volume under volumes:');
    }
    return out.length === 0 ? null : map(out, options.loc);
  }

  /** Compose creates a missing bind source; the Engine (and moor) refuse it: say so before apply. */
  checkBindSource(source: string, node: Node, at_: ValuePath): void {
    if (!(source.startsWith('.') || source.startsWith('/') || source.startsWith('~'))) return;
    if (!this.tx.input.exists(this.tx.hostPath(source))) {
      this.tx.warning(node, at_, `the host path ${quoteValue(source)} does not exist: Compose would create it, moor does not (the container cannot be created until it exists)`);
    }
  }

  networks(e: MapEntry, from: ValuePath): void {
    if (!isMap(e.value)) return this.set('networks', e, from);
    const out: [string, MapEntry][] = [];
    for (const [network, x] of e.value.entries) {
      if (!isMap(x.value)) {
        out.push([network, x]);
        continue;
      }
      const options: [string, MapEntry][] = [];
      for (const [field, o] of x.value.entries) {
        const here = [...from, network, field];
        if (field.startsWith('x-')) continue;
        if (field === 'aliases' || (field === 'ipv4_address' && this.containers)) options.push([field, o]);
        else if (field === 'ipv4_address') this.tx.error(o.keyLoc, here, 'Swarm services cannot have a fixed address');
        else if (field === 'priority' || field === 'gw_priority') this.tx.warning(o.keyLoc, here, 'ignored: moor connects networks in name order (the first one is the default gateway)');
        else if (['ipv6_address', 'link_local_ips', 'mac_address', 'driver_opts', 'interface_name'].includes(field)) {
          if (!isNoop(o.value)) this.tx.error(o.keyLoc, here, `moor does not set ${field.replace(/_/g, ' ')} on network attachments`);
        } else this.tx.unknown(o.keyLoc, here, ['aliases', 'ipv4_address', 'ipv6_address', 'link_local_ips', 'mac_address', 'driver_opts', 'priority', 'gw_priority', 'interface_name']);
      }
      out.push([network, { keyLoc: x.keyLoc, value: map(options, x.value.loc) }]);
    }
    this.set('networks', e, from, map(out, e.value.loc));
  }

  dependencies(e: MapEntry, from: ValuePath): void {
    this.#dependsOnLoc = e.value.loc;
    this.fields.push({ key: 'depends_on', keyLoc: e.keyLoc, value: e.value, from });
    if (isSeq(e.value)) {
      e.value.items.forEach((item, i) => {
        const name = text(item);
        if (name !== undefined) this.dependsOn.push({ name, condition: 'service_started', conditionLoc: item.loc, keyLoc: item.loc, path: [...from, i], required: true });
      });
      return;
    }
    if (!isMap(e.value)) return;
    for (const [name, x] of e.value.entries) {
      const here = [...from, name];
      const condition = get(x.value, 'condition');
      for (const [field, o] of isMap(x.value) ? x.value.entries : []) {
        if (field === 'restart' && booleanOf(o.value) === true) this.tx.warning(o.keyLoc, [...here, field], `ignored: moor does not restart ${this.name} when ${name} restarts`);
        else if (!['condition', 'required', 'restart'].includes(field) && !field.startsWith('x-')) this.tx.unknown(o.keyLoc, [...here, field], ['condition', 'required', 'restart']);
      }
      this.dependsOn.push({
        name,
        condition: text(condition) ?? 'service_started',
        conditionLoc: condition?.loc ?? x.keyLoc,
        keyLoc: x.keyLoc,
        path: here,
        required: booleanOf(get(x.value, 'required')) !== false,
      });
    }
  }

  // -------------------------------------------------------------------------------------------
  // Secrets and configs of containers: read-only bind mounts of their files

  fileMounts(field: 'secrets' | 'configs', e: MapEntry, from: ValuePath): void {
    if (!isSeq(e.value)) return this.tx.error(e.value, from, `${field} is a list of names or of {source, target}`);
    const kind = field === 'secrets' ? 'secret' : 'config';
    e.value.items.forEach((item, i) => {
      const at_ = [...from, i];
      const source = isMap(item) ? text(get(item, 'source')) : text(item);
      if (source === undefined) return this.tx.error(item, at_, `give the ${kind}'s name (or {source, target})`);
      const def = get(get(this.tx.input.root, field), source);
      if (def === undefined) return this.tx.error(item, at_, `unknown ${kind} ${quoteValue(source)}`);
      const file = text(get(def, 'file'));
      if (file === undefined) {
        const what = get(def, 'external') !== undefined ? `an external ${kind} is a Swarm object` : get(def, 'content') !== undefined ? `inline content cannot be mounted` : `a ${kind} from an environment variable cannot be mounted`;
        return this.tx.error(item, at_, `${what}: plain containers only get ${kind}s from a file (file:), mounted read-only; use --as services for Swarm ${kind}s`);
      }
      // Positioned on the reference, not on the file: value: quoted as written.
      if (!this.tx.input.exists(this.tx.hostPath(file))) return this.tx.error(item, at_, `the ${kind} file ${quoteValue(writtenText(get(def, 'file')) ?? file)} does not exist`);
      const written = isMap(item) ? text(get(item, 'target')) : undefined;
      const prefix = kind === 'secret' ? '/run/secrets/' : '/';
      const target = written === undefined ? `${prefix}${source}` : written.startsWith('/') ? written : `${prefix}${written}`;
      for (const owner of ['uid', 'gid', 'mode']) {
        const o = isMap(item) ? item.entries.get(owner) : undefined;
        if (o !== undefined) this.tx.warning(o.keyLoc, [...at_, owner], `ignored: a bind-mounted file keeps the owner and mode it has on the host (set them there)`);
      }
      const loc = item.loc;
      const mount = map(
        [
          ['type', at(scalar('bind', loc))],
          ['source', at(scalar(file.startsWith('/') || file.startsWith('.') ? file : `./${file}`, loc))],
          ['target', at(scalar(target, loc))],
          ['read_only', at(scalar(true, loc))],
        ],
        loc,
      );
      this.item('volumes', e.keyLoc, mount, at_);
    });
  }

  /** tmpfs of a Swarm service: tmpfs mounts (size= and mode= options only). */
  tmpfsMounts(e: MapEntry, from: ValuePath): void {
    const items = isSeq(e.value) ? e.value.items : [e.value];
    items.forEach((item, i) => {
      const at_ = isSeq(e.value) ? [...from, i] : from;
      const spec = text(item);
      if (spec === undefined) return;
      const [target = '', options = ''] = [spec.slice(0, spec.indexOf(':') === -1 ? spec.length : spec.indexOf(':')), spec.includes(':') ? spec.slice(spec.indexOf(':') + 1) : ''];
      const tmpfs: [string, MapEntry][] = [];
      for (const option of options === '' ? [] : options.split(',')) {
        const [key, val = ''] = option.split('=');
        if (key === 'size') tmpfs.push(['size', at(scalar(val, item.loc))]);
        else if (key === 'mode') tmpfs.push(['mode', at(scalar(val.startsWith('0') ? val : `0${val}`, item.loc))]);
        else return this.tx.error(item, at_, `the tmpfs option ${quoteValue(key ?? '')} is not supported on services (size= and mode= are)`);
      }
      const mount: [string, MapEntry][] = [
        ['type', at(scalar('tmpfs', item.loc))],
        ['target', at(scalar(target, item.loc))],
        ...(tmpfs.length > 0 ? [['tmpfs', at(map(tmpfs, item.loc))] as [string, MapEntry]] : []),
      ];
      this.item('volumes', e.keyLoc, map(mount, item.loc), at_);
    });
  }

  // -------------------------------------------------------------------------------------------
  // deploy:, restart:, resources

  replicas(value: Node, path: ValuePath): void {
    const count = integerOf(value);
    if (count === undefined || count < 0) return this.tx.error(value, path, 'must be a whole number of replicas (0 or more)');
    if (this.containers && count > MAX_CONTAINER_REPLICAS) return this.tx.error(value, path, `is ${count}: --as containers makes one container per replica, ${MAX_CONTAINER_REPLICAS} at the most`);
    if (this.#replicas !== undefined && this.#replicas.count !== count) {
      return this.tx.error(value, path, `says ${count}, but ${this.#replicas.path.join('.')} says ${this.#replicas.count}: give the number of replicas once`);
    }
    this.#replicas = { count, node: value, path };
    if (!this.containers) this.fields.push({ key: 'replicas', keyLoc: value.loc, value: scalar(count, value.loc), from: path });
  }

  /** A moor field that a service-level Compose field and deploy: may both give (mem_limit, cpus...). */
  resource(key: string, e: MapEntry, from: ValuePath, value: Node = e.value): void {
    const previous = this.#resources.get(key);
    if (previous !== undefined && text(previous.node) !== text(value)) {
      return this.tx.error(e.keyLoc, from, `differs from ${previous.from.join('.')}: give it once`);
    }
    this.#resources.set(key, { node: value, keyLoc: e.keyLoc, from });
  }

  deploy(e: MapEntry, from: ValuePath): void {
    if (!isMap(e.value)) return;
    for (const [field, x] of e.value.entries) {
      const here = [...from, field];
      if (field.startsWith('x-')) continue;
      switch (field) {
        case 'replicas':
          this.replicas(x.value, here);
          break;
        case 'mode':
          this.deployMode(x, here);
          break;
        case 'resources':
          this.deployResources(x.value, here);
          break;
        case 'restart_policy':
          this.#restartPolicy = { entry: x, path: here };
          break;
        case 'labels':
          if (this.containers) this.tx.warning(x.keyLoc, here, 'ignored: deploy.labels label a Swarm service; label containers with labels:');
          else this.set('labels', x, here);
          break;
        case 'update_config':
        case 'rollback_config':
        case 'placement':
        case 'endpoint_mode':
          if (this.containers) this.tx.warning(x.keyLoc, here, `ignored: ${field} is for Swarm services (--as services); a plain container runs once, on this Engine`);
          else this.set(field, x, here, this.swarmSection(field, x.value));
          break;
        default:
          this.tx.unknown(x.keyLoc, here, ['replicas', 'mode', 'resources', 'restart_policy', 'labels', 'update_config', 'rollback_config', 'placement', 'endpoint_mode']);
      }
    }
  }

  deployMode(x: MapEntry, here: ValuePath): void {
    const mode = text(x.value);
    if (mode === 'replicated-job' || mode === 'global-job') return this.tx.error(x.keyLoc, here, 'moor does not run Swarm jobs (replicated-job, global-job)');
    if (!this.containers) return this.set('mode', x, here);
    if (mode === 'global') this.tx.warning(x.keyLoc, here, 'a plain container runs once, on this Engine: mode: global gives one container');
  }

  /** Coercions of the Swarm sections moor writes as Compose does (numbers may be strings). */
  swarmSection(field: string, value: Node): Node {
    if (!isMap(value)) return value;
    const types: Readonly<Record<string, 'integer' | 'number'>> = { parallelism: 'integer', max_failure_ratio: 'number', max_replicas_per_node: 'integer' };
    return map(
      [...value.entries].filter(([k]) => !k.startsWith('x-')).map(([k, x]) => [k, { keyLoc: x.keyLoc, value: types[k] === undefined || field === 'endpoint_mode' ? x.value : coerce(x.value, types[k]) }]),
      value.loc,
    );
  }

  deployResources(value: Node, from: ValuePath): void {
    if (!isMap(value)) return;
    for (const [section, x] of value.entries) {
      if (section.startsWith('x-')) continue;
      if (section !== 'limits' && section !== 'reservations') {
        this.tx.unknown(x.keyLoc, [...from, section], ['limits', 'reservations']);
        continue;
      }
      for (const [field, r] of isMap(x.value) ? x.value.entries : []) {
        const here = [...from, section, field];
        if (field.startsWith('x-')) continue;
        if (field === 'devices' || field === 'generic_resources') {
          if (!isNoop(r.value)) this.tx.error(r.keyLoc, here, 'moor does not reserve devices or generic resources');
          continue;
        }
        if (!['cpus', 'memory', ...(section === 'limits' ? ['pids'] : [])].includes(field)) {
          this.tx.unknown(r.keyLoc, here, section === 'limits' ? ['cpus', 'memory', 'pids'] : ['cpus', 'memory', 'devices', 'generic_resources']);
          continue;
        }
        if (!this.containers) {
          this.resource(`resources.${section}.${field}`, r, here, field === 'pids' ? coerce(r.value, 'integer') : r.value);
        } else if (section === 'reservations') {
          this.tx.warning(r.keyLoc, here, 'ignored: a reservation is a Swarm scheduling hint (--as services); moor sets limits on containers');
        } else if (field === 'pids') {
          this.tx.error(r.keyLoc, here, 'moor does not limit the PIDs of containers (--as services can)');
        } else {
          this.resource(field === 'memory' ? 'mem_limit' : 'cpus', r, here);
        }
      }
    }
  }

  /** Services: `resources:` built from deploy.resources and mem_limit, cpus, mem_reservation, pids_limit. */
  finishServiceResources(): void {
    const sections = new Map<string, [string, MapEntry][]>();
    let keyLoc: SourceLocation | undefined;
    for (const [key, r] of this.#resources) {
      const [, section = '', field = ''] = key.split('.');
      const list = sections.get(section) ?? [];
      list.push([field, { keyLoc: r.keyLoc, value: r.node }]);
      sections.set(section, list);
      keyLoc ??= r.keyLoc;
      this.tx.record(['services', this.name, 'resources', section, field], r.from);
    }
    if (keyLoc === undefined) return;
    const node = map(
      [...sections].map(([section, entries]) => [section, at(map(entries, keyLoc as SourceLocation))]),
      keyLoc,
    );
    this.fields.push({ key: 'resources', keyLoc, value: node, from: [...this.base, 'deploy', 'resources'] });
  }

  /** `restart:` and `deploy.restart_policy`, read as docker compose up (containers) or docker stack deploy (services) do. */
  finishRestart(): void {
    const restart = this.#restart;
    const policy = this.#restartPolicy;
    const restartPath = [...this.base, 'restart'];
    if (policy !== undefined && restart !== undefined) {
      this.tx.warning(restart.keyLoc, restartPath, `ignored: deploy.restart_policy gives the restart policy (as ${this.containers ? 'docker compose up' : 'docker stack deploy'} reads it)`);
    }
    if (this.containers) {
      if (policy !== undefined) {
        const value = this.restartFromPolicy(policy.entry.value, policy.path);
        if (value !== null) this.fields.push({ key: 'restart', keyLoc: policy.entry.keyLoc, value, from: policy.path });
      } else if (restart !== undefined) {
        this.fields.push({ key: 'restart', keyLoc: restart.keyLoc, value: restart.value, from: restartPath });
      }
      return;
    }
    if (policy !== undefined) {
      this.fields.push({ key: 'restart_policy', keyLoc: policy.entry.keyLoc, value: this.policyNode(policy.entry.value), from: policy.path });
    } else if (restart !== undefined) {
      const value = this.policyFromRestart(restart);
      if (value !== null) this.fields.push({ key: 'restart_policy', keyLoc: restart.keyLoc, value, from: restartPath });
    }
  }

  policyNode(value: Node): Node {
    if (!isMap(value)) return value;
    return map([...value.entries].filter(([k]) => !k.startsWith('x-')).map(([k, x]) => [k, { keyLoc: x.keyLoc, value: k === 'max_attempts' ? coerce(x.value, 'integer') : x.value }]), value.loc);
  }

  /** deploy.restart_policy -> a container's restart: none -> no, on-failure -> on-failure[:N], any -> always. */
  restartFromPolicy(value: Node, path: ValuePath): Node | null {
    if (!isMap(value)) return null;
    const condition = get(value, 'condition');
    const attempts = integerOf(get(value, 'max_attempts'));
    for (const field of ['delay', 'window']) {
      const e = value.entries.get(field);
      if (e !== undefined) this.tx.warning(e.keyLoc, [...path, field], `ignored: the Engine restarts a plain container with its own back-off (no ${field})`);
    }
    const c = text(condition) ?? 'any';
    const loc = condition?.loc ?? value.loc;
    if (c === 'none') return scalar('no', loc);
    if (c === 'any') return scalar('always', loc);
    if (c === 'on-failure') return scalar(attempts === undefined ? 'on-failure' : `on-failure:${attempts}`, loc);
    this.tx.error(condition ?? value, [...path, 'condition'], `must be none, on-failure or any (got ${quoteValue(c)})`);
    return null;
  }

  /** restart: -> a service's restart_policy, as docker stack deploy converts it. */
  policyFromRestart(restart: MapEntry): Node | null {
    const written = text(restart.value) ?? '';
    const loc = restart.value.loc;
    const [name, retries] = written.split(':');
    if (name === 'no') return map([['condition', at(scalar('none', loc))]], loc);
    if (name === 'always' || name === 'unless-stopped') return map([['condition', at(scalar('any', loc))]], loc);
    if (name === 'on-failure') {
      return map([['condition', at(scalar('on-failure', loc))], ...(retries === undefined ? [] : [['max_attempts', at(coerce(scalar(retries, loc), 'integer'))] as [string, MapEntry]])], loc);
    }
    this.tx.error(restart.value, [...this.base, 'restart'], 'must be no, always, unless-stopped or on-failure[:N]');
    return null;
  }
}

/** A short port ("8080:80", "127.0.0.1:8080:80") that names a host port. */
function fixedHostPort(spec: string | undefined): boolean {
  if (spec === undefined) return false;
  const withoutProtocol = spec.replace(/\/[a-z]+$/, '');
  const rest = withoutProtocol.startsWith('[') ? withoutProtocol.slice(withoutProtocol.indexOf(']') + 2) : withoutProtocol;
  const parts = rest.split(':');
  return parts.length >= 2 && parts[parts.length - 2] !== '';
}
