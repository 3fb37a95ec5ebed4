// The steps of a plan: each one Engine operation (one API call, or a short read-modify-write for
// versioned Swarm updates), with the steps it must wait for. The executor (src/apply/) walks them;
// it makes no decisions of its own beyond retrying a versioned update on a conflict.
//
// Steps never hold secret bytes: a `secret.create` names the secret, and the executor takes the
// content from the desired model at run time. That keeps saved plans free of secret data.
import type {
  ConfigSpec,
  ContainerNetworkAttachment,
  ContainerSpec,
  DependencyCondition,
  Duration,
  NetworkSpec,
  RestartPolicy,
  SecretSpec,
  ServiceSpec,
  VolumeSpec,
} from '../model/desired.js';
import type { ObjectId } from '../model/kinds.js';

/** A create-then-swap replacement of a container: what undoing it needs. */
export interface ContainerReplacement {
  /** The name the previous container had and the new one takes. */
  readonly engineName: string;
  /** The new container's name until the swap. */
  readonly temporaryName: string;
  /** The previous container's name while it is aside. */
  readonly previousName: string;
  readonly previousId: string;
  /** Whether the previous container was running when the plan was made (undoing starts it again). */
  readonly previousRunning: boolean;
  /** The new container's stop grace period. */
  readonly stopTimeout: Duration | null;
}

/**
 * An anonymous volume of the container a replacement replaces, mounted by the replacement at the
 * same target, as docker compose up does: its data survives the replacement.
 */
export interface CarriedVolume {
  readonly target: string;
  readonly volume: string;
  /**
   * The new spec mounts nothing at the target: the volume is carried over only if the image
   * declares a VOLUME there, which is known once the image is pulled (the executor reads it).
   */
  readonly ifImageDeclares: boolean;
}

interface StepBase {
  /** Unique within a plan: `network/front:create`, `container/web:stop-old`... */
  readonly key: string;
  /** Keys of the steps that must succeed first. */
  readonly after: readonly string[];
  /** The object this step works on, and so the change it belongs to. */
  readonly object: ObjectId;
}

export type StepOp =
  | { readonly op: 'image.pull'; readonly image: string }
  | { readonly op: 'network.create'; readonly engineName: string; readonly spec: NetworkSpec }
  | { readonly op: 'network.remove'; readonly engineName: string; readonly id: string }
  | { readonly op: 'volume.create'; readonly engineName: string; readonly spec: VolumeSpec }
  | { readonly op: 'volume.remove'; readonly engineName: string }
  | { readonly op: 'secret.create'; readonly name: string; readonly engineName: string; readonly spec: SecretSpec }
  | { readonly op: 'secret.update'; readonly engineName: string; readonly id: string; readonly version: number; readonly spec: SecretSpec }
  | { readonly op: 'secret.remove'; readonly engineName: string; readonly id: string }
  | { readonly op: 'config.create'; readonly name: string; readonly engineName: string; readonly spec: ConfigSpec }
  | { readonly op: 'config.update'; readonly engineName: string; readonly id: string; readonly version: number; readonly spec: ConfigSpec }
  | { readonly op: 'config.remove'; readonly engineName: string; readonly id: string }
  | {
      readonly op: 'container.create';
      readonly name: string;
      /** The final Engine name, or a temporary one for a create-then-swap replacement. */
      readonly engineName: string;
      readonly spec: ContainerSpec;
      /** The id of the container this one replaces (create-then-swap), else null. */
      readonly replaces: string | null;
      /** The anonymous volumes it takes over from the container it replaces (absent: none). */
      readonly carried?: readonly CarriedVolume[];
    }
  | { readonly op: 'container.start'; readonly engineName: string }
  | { readonly op: 'container.stop'; readonly engineName: string; readonly timeout: Duration | null }
  | {
      readonly op: 'container.remove';
      readonly engineName: string;
      /**
       * Set when its anonymous volumes go too (a deleted container's with --prune-volumes or
       * destroy --volumes): the container is removed with them, and these, its anonymous volumes
       * as observed, are removed after it if the Engine left them (one mounted by name).
       */
      readonly volumes?: readonly string[];
    }
  | { readonly op: 'container.rename'; readonly from: string; readonly to: string }
  | {
      /**
       * Removes the container a create-then-swap replaced, once the new one has started (it was
       * stopped and renamed aside until then). Until this step runs, the replacement can be undone:
       * apply/replacements.ts swaps the previous container back when the new one does not start.
       */
      readonly op: 'container.remove-previous';
      /** The previous container's name while it is aside. */
      readonly engineName: string;
      readonly replacement: ContainerReplacement;
      /** Its anonymous volumes as observed: removed with it, but those its replacement took over (in use). */
      readonly volumes: readonly string[];
    }
  | {
      readonly op: 'container.update';
      readonly engineName: string;
      readonly restart: RestartPolicy;
      readonly memLimit: number | null;
      readonly cpus: number | null;
    }
  | {
      readonly op: 'container.connect';
      readonly engineName: string;
      readonly network: string;
      readonly attachment: ContainerNetworkAttachment;
    }
  | { readonly op: 'container.disconnect'; readonly engineName: string; readonly network: string }
  | {
      /**
       * Waits until a started container meets a depends_on condition of one of its dependants, or
       * (`converged`, apply --wait before it removes a replaced container) runs as the manifest
       * says: the rules of operate/converge.ts.
       */
      readonly op: 'container.wait';
      readonly engineName: string;
      readonly condition: Exclude<DependencyCondition, 'service_started'> | 'converged';
    }
  | { readonly op: 'service.create'; readonly engineName: string; readonly spec: ServiceSpec }
  | {
      readonly op: 'service.update';
      readonly engineName: string;
      readonly id: string;
      /** The Version.Index the update was planned from; null: read it at run time (chained updates). */
      readonly version: number | null;
      readonly spec: ServiceSpec;
      /** Send the live ForceUpdate + 1: restarts every task (retrying a paused rollout). */
      readonly bumpForceUpdate?: true;
    }
  | { readonly op: 'service.remove'; readonly engineName: string; readonly id: string };

export type Step = StepBase & StepOp;
export type StepKind = StepOp['op'];

/** A step that sends a container's or a service's spec, its environment with it. */
export type SpecStep = Extract<Step, { readonly op: 'container.create' | 'service.create' | 'service.update' }>;

/**
 * Whether a step sends a spec: what a saved plan fingerprints and the watch's flap guard compares
 * of the environments (both hide or hash the values, never print them). A new kind of step that
 * sends a spec belongs here.
 */
export function sendsSpec(step: Step): step is SpecStep {
  return step.op === 'container.create' || step.op === 'service.create' || step.op === 'service.update';
}

/** A one-line description of a step, for progress output and reports. */
export function describeStep(step: Step): string {
  switch (step.op) {
    case 'image.pull':
      return `pull image ${step.image}`;
    case 'network.create':
    case 'volume.create':
    case 'secret.create':
    case 'config.create':
    case 'service.create':
      return `create ${step.op.split('.')[0]} ${step.engineName}`;
    case 'network.remove':
    case 'volume.remove':
    case 'secret.remove':
    case 'config.remove':
    case 'service.remove':
    case 'container.remove':
      return `remove ${step.op.split('.')[0]} ${step.engineName}`;
    case 'secret.update':
    case 'config.update':
      return `update labels of ${step.op.split('.')[0]} ${step.engineName}`;
    case 'service.update':
      return `update service ${step.engineName}`;
    case 'container.create':
      return step.replaces === null ? `create container ${step.engineName}` : `create replacement container ${step.engineName}`;
    case 'container.start':
      return `start container ${step.engineName}`;
    case 'container.stop':
      return `stop container ${step.engineName}`;
    case 'container.rename':
      return `rename container ${step.from} to ${step.to}`;
    case 'container.remove-previous':
      return `remove previous container ${step.engineName}`;
    case 'container.update':
      return `update container ${step.engineName} (restart policy, resources)`;
    case 'container.connect':
      return `connect container ${step.engineName} to network ${step.network}`;
    case 'container.disconnect':
      return `disconnect container ${step.engineName} from network ${step.network}`;
    case 'container.wait':
      return step.condition === 'converged'
        ? `wait for container ${step.engineName} to run as the manifest says`
        : `wait for container ${step.engineName} to be ${step.condition === 'service_healthy' ? 'healthy' : 'completed successfully'}`;
  }
}
