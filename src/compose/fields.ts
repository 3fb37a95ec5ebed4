// The Compose service fields moor cannot honour, and what it says about each. An error is for a
// field whose loss would change what runs (the file is refused); a warning for one whose loss is
// cosmetic or has an equivalent elsewhere (the field is dropped, and the message says so). A field
// set to its do-nothing value (false, empty) gets no message. Fields that moor maps are handled in
// translate-service.ts; everything else a Compose file may hold is listed here, so that an unknown
// field is a typo (with a suggestion), never a silent drop.
import type { Reading } from './reading.js';

export interface Refusal {
  readonly severity: 'error' | 'warning';
  readonly message: string;
}

const error = (message: string): Refusal => ({ severity: 'error', message });
const warning = (message: string): Refusal => ({ severity: 'warning', message });

const NAMESPACES = "moor does not share the host's or another container's namespaces";
const CPU = 'moor limits CPUs with cpus: (or deploy.resources.limits.cpus) only';
const DEVICES = 'moor does not give containers host devices';

/** Refused or dropped in both readings. */
const BOTH: Readonly<Record<string, Refusal>> = {
  annotations: error('moor does not set OCI annotations (they need Engine API 1.43)'),
  attach: warning('ignored: moor does not attach to container output'),
  blkio_config: error('moor does not set block I/O limits'),
  cgroup: error(NAMESPACES),
  cgroup_parent: error('moor does not set a parent cgroup'),
  cpu_count: error(CPU),
  cpu_percent: error(CPU),
  cpu_period: error(CPU),
  cpu_quota: error(CPU),
  cpu_rt_period: error(CPU),
  cpu_rt_runtime: error(CPU),
  cpu_shares: error(CPU),
  cpuset: error(CPU),
  credential_spec: error('credential specs (Windows) are not supported'),
  develop: warning('ignored: development settings are for docker compose watch'),
  device_cgroup_rules: error(DEVICES),
  devices: error(DEVICES),
  dns_opt: error('moor sets DNS servers (dns:) only, on containers'),
  dns_search: error('moor sets DNS servers (dns:) only, on containers'),
  domainname: error('moor does not set a domain name (hostname: can hold a full name)'),
  expose: warning('ignored: expose only documents ports; containers on a shared network reach every port'),
  external_links: error("moor does not link to containers outside the project: put both on a shared network (external: true) instead"),
  gpus: error(DEVICES),
  group_add: error('moor does not add supplementary groups'),
  ipc: error(NAMESPACES),
  isolation: error("moor uses the Engine's default isolation"),
  label_file: error('labels from files are not supported: write them under labels:'),
  mac_address: error('moor does not set MAC addresses'),
  mem_swappiness: error('moor does not set memory swappiness'),
  memswap_limit: error('moor does not set a swap limit'),
  models: error('AI models are not supported'),
  network_mode: error("moor containers join networks the project declares (networks:); this network mode cannot be honoured"),
  oom_kill_disable: error("moor does not change the Engine's out-of-memory behaviour"),
  oom_score_adj: error("moor does not change the Engine's out-of-memory behaviour"),
  pid: error(NAMESPACES),
  platform: warning("ignored: moor runs images for the Engine's own platform"),
  post_start: error('lifecycle hooks are not supported'),
  pre_stop: error('lifecycle hooks are not supported'),
  provider: error('provider services are not supported'),
  pull_refresh_after: warning('ignored: moor pulls missing images (moor apply --pull always pulls every image)'),
  runtime: error("moor uses the Engine's default runtime"),
  security_opt: error('moor does not set security options (seccomp, AppArmor, SELinux labels, no-new-privileges)'),
  shm_size: error("moor does not size /dev/shm (a tmpfs mount on /dev/shm with a size does the same for containers)"),
  stdin_open: error('moor runs containers detached: their standard input is never open'),
  storage_opt: error('moor does not set storage driver options'),
  tty: error('moor runs containers detached, without a terminal (a process that needs one may stop)'),
  use_api_socket: error('moor does not hand the Docker API to containers'),
  userns_mode: error(NAMESPACES),
  uts: error(NAMESPACES),
  volumes_from: error('moor does not share volumes between containers this way: mount the same named volume in both'),
};

const SERVICES_ONLY = (what: string): Refusal => error(`moor does not set ${what} on Swarm services (--as containers can)`);

/** Refused or dropped in one reading only (the other maps them). */
const BY_READING: Readonly<Record<Reading, Readonly<Record<string, Refusal>>>> = {
  containers: {
    mem_reservation: warning('ignored: moor sets hard memory limits only (mem_limit); a reservation is a Swarm scheduling hint (--as services)'),
    pids_limit: error('moor does not limit the PIDs of containers (--as services: deploy.resources.limits.pids)'),
  },
  services: {
    cap_add: SERVICES_ONLY('capabilities'),
    cap_drop: SERVICES_ONLY('capabilities'),
    dns: SERVICES_ONLY('DNS servers'),
    extra_hosts: SERVICES_ONLY('extra hosts'),
    privileged: error('Swarm services cannot run privileged (--as containers can)'),
    sysctls: SERVICES_ONLY('sysctls'),
    ulimits: SERVICES_ONLY('ulimits'),
  },
};

export function refusalFor(field: string, reading: Reading): Refusal | undefined {
  // Own keys only: a field named after an Object.prototype member (`toString`) is unknown.
  const byReading = BY_READING[reading];
  if (Object.hasOwn(byReading, field)) return byReading[field];
  return Object.hasOwn(BOTH, field) ? BOTH[field] : undefined;
}

/** Every service field of the Compose Specification, for "did you mean" on unknown fields. */
export const COMPOSE_SERVICE_FIELDS: readonly string[] = [
  ...Object.keys(BOTH),
  ...Object.keys(BY_READING.containers),
  ...Object.keys(BY_READING.services),
  'build', 'command', 'configs', 'container_name', 'cpus', 'depends_on', 'deploy', 'entrypoint', 'env_file', 'environment', 'extends',
  'healthcheck', 'hostname', 'image', 'init', 'labels', 'links', 'logging', 'mem_limit', 'networks', 'ports', 'profiles', 'pull_policy',
  'read_only', 'restart', 'scale', 'secrets', 'stop_grace_period', 'stop_signal', 'tmpfs', 'user', 'volumes', 'working_dir',
];
