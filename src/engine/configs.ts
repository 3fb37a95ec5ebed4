// Configs: `/configs/...` (a Swarm object). Unlike secrets, inspect returns the data.
import { SwarmResources } from './swarm-resources.js';
import type { Transport } from './transport.js';
import type { Config, ConfigSpec } from './types.js';

export class Configs extends SwarmResources<Config, ConfigSpec> {
  constructor(http: Transport) {
    super(http, 'configs');
  }
}
