// The labels that mark what moor owns, and the names it gives Engine objects.
//
// Ownership is the `io.moor.project` label: moor reads, changes and deletes only objects carrying
// its project's value. A name held by an object without that label is a conflict, never adopted.
//
// WARNING: container, network and local-volume labels are immutable in the Engine (there is no
// update call), so every label moor needs must be set at create time.

export const LABEL_PROJECT = 'io.moor.project';
export const LABEL_NAME = 'io.moor.name';
/** sha256 of the canonical desired spec the object was created or last updated from. */
export const LABEL_SPEC_HASH = 'io.moor.spec-hash';
/**
 * Containers only: the canonical spec they were created from (JSON). Container configuration is
 * immutable after create, so this is an exact record of it that needs no guessing about which of
 * the inspected values came from the image (Env, Cmd, Labels...). Mutable parts (state, restart
 * policy, resources, network attachments) are always read live.
 */
export const LABEL_CONTAINER_SPEC = 'io.moor.container-spec';
/** Secrets and configs: a fingerprint of the content (salted for secrets: see model/hash.ts). */
export const LABEL_CONTENT = 'io.moor.content';
/**
 * Containers and services: the logical names they depend on (comma-separated), so that deletes of
 * objects no longer in the manifest can still run in reverse dependency order.
 */
export const LABEL_DEPENDS_ON = 'io.moor.depends-on';
/** Set on a container while it is the not-yet-renamed replacement of another (create-then-swap). */
export const LABEL_REPLACES = 'io.moor.replaces';
/**
 * Services only: the spec hash of a rollout Swarm rolled back, and Swarm's reason (see
 * apply/rollout-record.ts). The planner does not send that exact spec again unless told to
 * (--retry-failed): re-applying it on every run would make Swarm roll back every time (a flap).
 * Set with a label-only update, which makes no task dirty; any later update from moor drops it.
 */
export const LABEL_FAILED_SPEC = 'io.moor.failed-spec';
export const LABEL_FAILED_MESSAGE = 'io.moor.failed-message';

/**
 * Set by Swarm on the containers of a service's tasks (not moor's: a task container carries only
 * the service's container labels, so it is never the project's by io.moor.project).
 */
export const SWARM_SERVICE_ID_LABEL = 'com.docker.swarm.service.id';
export const SWARM_SERVICE_NAME_LABEL = 'com.docker.swarm.service.name';

/** Labels moor manages itself; user labels may not use the `io.moor.` prefix. */
export const RESERVED_LABEL_PREFIX = 'io.moor.';

export function ownerLabels(project: string, name: string): Record<string, string> {
  return { [LABEL_PROJECT]: project, [LABEL_NAME]: name };
}

export function isOwnedBy(labels: Readonly<Record<string, string>> | null | undefined, project: string): boolean {
  return labels?.[LABEL_PROJECT] === project;
}

/** `<project>_<name>`: the Engine name of networks, volumes, containers and services. */
export function engineName(project: string, name: string): string {
  return `${project}_${name}`;
}

/**
 * `<project>_<name>_<version>`: secrets and configs are immutable, so each content is a new object.
 * Configs use the first 8 hex digits of their content's sha256. Secrets use a random version id:
 * a short unsalted hash of a low-entropy secret, printed in every plan and CI log, could be
 * reversed with a dictionary.
 */
export function versionedEngineName(project: string, name: string, version: string): string {
  return `${project}_${name}_${version}`;
}

/** The Engine's limit on secret and config names (swarmkit controlapi/common.go). */
export const MAX_SWARM_NAME_LENGTH = 64;
/** Length of the version suffix of secret and config names. */
export const VERSION_LENGTH = 8;
