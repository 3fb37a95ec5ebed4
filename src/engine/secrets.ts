// Secrets: `/secrets/...` (a Swarm object). The Engine never returns secret data on inspect.
// Must not: log or put into an error message the spec passed to create (it holds the data).
import { SwarmResources } from './swarm-resources.js';
import type { Transport } from './transport.js';
import type { Secret, SecretSpec } from './types.js';

export class Secrets extends SwarmResources<Secret, SecretSpec> {
  constructor(http: Transport) {
    super(http, 'secrets');
  }
}
