// Read-only Swarm state moor observes but does not reconcile: tasks, nodes, the swarm itself.
// Must not: write anything.
import { expectSwarmList, expectSwarmObject } from './decode.js';
import type { ListOptions } from './kind-api.js';
import { KindApi } from './kind-api.js';
import { apiPath } from './transport.js';
import type { SwarmInfo, SwarmNode, Task } from './types.js';

export class Tasks extends KindApi {

  /** Filters: service, node, desired-state, label, name, id. */
  async list(options: ListOptions = {}): Promise<Task[]> {
    return this.listFiltered(apiPath`/tasks`, options, (value) => expectSwarmList<Task>(value, 'task list'));
  }
}

export class Nodes extends KindApi {

  async list(options: ListOptions = {}): Promise<SwarmNode[]> {
    return this.listFiltered(apiPath`/nodes`, options, (value) => expectSwarmList<SwarmNode>(value, 'node list'));
  }
}

export class Swarm extends KindApi {

  /** Fails with kind 'not-swarm-manager' when this Engine is not a Swarm manager. */
  async inspect(options: { signal?: AbortSignal } = {}): Promise<SwarmInfo> {
    return this.http.json({ method: 'GET', path: apiPath`/swarm`, signal: options.signal }, (value) => expectSwarmObject<SwarmInfo>(value, 'swarm'));
  }
}
