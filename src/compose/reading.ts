// How a Compose file is read: `--as containers` (docker compose up: each Compose service becomes
// plain containers) or `--as services` (docker stack deploy: each becomes a Swarm service).
export const READINGS = ['containers', 'services'] as const;
export type Reading = (typeof READINGS)[number];

export function describeReading(reading: Reading): string {
  return reading === 'containers'
    ? 'each Compose service becomes plain containers, as with docker compose up'
    : 'each Compose service becomes a Swarm service, as with docker stack deploy';
}
