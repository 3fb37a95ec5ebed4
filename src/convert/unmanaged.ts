// The fields of a Swarm service's spec that moor does not manage, kept as the Engine has them.
// Pure.
//
// A service update replaces the whole spec. Built from the manifest alone, it would also remove
// whatever was set on fields the manifest cannot say (`docker service update --dns-add`,
// `--host-add`, `--cap-add`, `--sysctl-add`, `--ulimit-add`, a generic resource), and the plan, which compares only what moor manages, would not show
// it. So the update sends those fields back unchanged: moor changes what it manages, and only
// that. What it manages is listed below, field by field; a field it manages that the manifest
// leaves out is removed (the Engine's default), as the plan says.
import type { ServiceSpec as WireServiceSpec } from '../engine/types.js';

/** `true`: moor manages the whole value; a record: only the fields it lists. */
interface Managed {
  readonly [field: string]: true | Managed;
}

/**
 * What to-engine.ts `serviceBody` writes (test/convert/unmanaged.test.ts checks that it writes
 * nothing else). Spec.Networks (deprecated for TaskTemplate.Networks) counts as managed: sending
 * both would attach the service twice.
 */
export const MANAGED_SERVICE_FIELDS: Managed = {
  Name: true,
  Labels: true,
  Mode: true,
  UpdateConfig: true,
  RollbackConfig: true,
  EndpointSpec: true,
  Networks: true,
  TaskTemplate: {
    ContainerSpec: {
      Image: true,
      Labels: true,
      Command: true,
      Args: true,
      Env: true,
      User: true,
      Dir: true,
      Hostname: true,
      StopSignal: true,
      StopGracePeriod: true,
      Healthcheck: true,
      ReadOnly: true,
      Init: true,
      Mounts: true,
      Secrets: true,
      Configs: true,
    },
    Resources: { Limits: { NanoCPUs: true, MemoryBytes: true, Pids: true }, Reservations: { NanoCPUs: true, MemoryBytes: true } },
    RestartPolicy: true,
    // Platforms too: the docker CLI records the image's platforms, which a new image may not share.
    Placement: { Constraints: true, Preferences: true, MaxReplicas: true, Platforms: true },
    Networks: true,
    LogDriver: true,
    ForceUpdate: true,
  },
};

export type UnmanagedFields = Readonly<Record<string, unknown>>;

function isRecord(v: unknown): v is Readonly<Record<string, unknown>> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The parts of `spec` outside `managed` (empty records left out); `{}` when there are none. */
export function unmanagedFields(spec: unknown, managed: Managed = MANAGED_SERVICE_FIELDS): UnmanagedFields {
  if (!isRecord(spec)) return {};
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(spec)) {
    const rule = Object.hasOwn(managed, key) ? managed[key] : undefined;
    if (rule === true) continue;
    if (rule === undefined) {
      if (value !== undefined && value !== null && !(isRecord(value) && Object.keys(value).length === 0)) out[key] = value;
      continue;
    }
    const inner = unmanagedFields(value, rule);
    if (Object.keys(inner).length > 0) out[key] = inner;
  }
  return out;
}

/** The body with the unmanaged fields put back (they never overlap what the body sets). */
export function withUnmanaged(body: WireServiceSpec, unmanaged: UnmanagedFields): WireServiceSpec {
  return merge(body, unmanaged) as WireServiceSpec;
}

function merge(into: unknown, from: UnmanagedFields): unknown {
  if (!isRecord(into)) return into;
  const out: Record<string, unknown> = { ...into };
  for (const [key, value] of Object.entries(from)) {
    const existing = out[key];
    out[key] = existing === undefined ? value : isRecord(existing) && isRecord(value) ? merge(existing, value) : existing;
  }
  return out;
}
