// The numbers whose 0 the Engine takes as "not set", and their one canonical form: null. Pure.
//
// WARNING: the Engine's API types are Go structs, and most numbers there are plain values with
// `omitempty`: a 0 that is sent is dropped, and reads back absent, exactly like a value never sent.
// Its meaning is the Engine's default in both cases (checked on Engine 20.10, API 1.41):
//   - healthcheck interval, timeout, start period and retries: the image's value, else the
//     Engine's default (30s, 30s, 0s, 3);
//   - a service's resource limits and reservations (memory, pids; CPUs cannot be 0): none;
//   - placement max replicas per node: no limit;
//   - a tmpfs mount's size and mode: the kernel's default size (half the RAM), mode 1777;
//   - a container's memory limit: none (and `docker update` can neither set 0 nor lift a limit:
//     see diff/compare.ts).
// So the desired model holds null for them, as the observed side reads them: otherwise `0` in a
// manifest would diff against the absent value after every apply and send an update every time.
//
// The other numbers stay 0, because there 0 means something of its own and reads back as 0:
//   - update/rollback config: parallelism (0 = all at once) and max failure ratio are always in
//     the JSON; a zero delay or monitor is dropped, and observe reads it back as 0 (a section that
//     is there is always complete: its unset fields take Swarm's defaults);
//   - restart policy delay and window, stop grace period, replicas: pointers in the API, so a 0
//     is stored and returned;
//   - file modes of secrets and configs; a container's ulimits (stored as sent, and read from
//     moor's label anyway).
// A restart policy's max attempts reads back 0 when not set, and 0 is Swarm's "no limit": null.
import type { ContainerSpec, Healthcheck, Mount } from './desired.js';

/** A number whose 0 the Engine reads as not set: 0 becomes null. */
export function unsetZero(n: number | null): number | null {
  return n === 0 ? null : n;
}

export function healthcheckWithoutZeros(h: Healthcheck): Healthcheck {
  return { test: h.test, interval: unsetZero(h.interval), timeout: unsetZero(h.timeout), retries: unsetZero(h.retries), startPeriod: unsetZero(h.startPeriod) };
}

export function mountWithoutZeros(m: Mount): Mount {
  return m.type === 'tmpfs' ? { type: 'tmpfs', target: m.target, size: unsetZero(m.size), mode: unsetZero(m.mode) } : m;
}

/**
 * A container spec in the canonical form. Containers keep their spec in a label, which a moor that
 * kept these zeros may have written: read through this, such a container is not replaced for a
 * spelling.
 */
export function containerSpecWithoutZeros(spec: ContainerSpec): ContainerSpec {
  return {
    ...spec,
    mounts: spec.mounts.map(mountWithoutZeros),
    healthcheck: spec.healthcheck === null ? null : healthcheckWithoutZeros(spec.healthcheck),
    memLimit: unsetZero(spec.memLimit),
  };
}
