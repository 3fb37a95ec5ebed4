// Compose profiles: a service with `profiles:` runs only when one of them is selected (`--profile`,
// repeatable, else the COMPOSE_PROFILES variable, comma-separated; `*` selects all); a service
// without `profiles:` always runs. A service left out is said, never dropped silently; what still
// depends on it is reported where the translation expands depends_on.
// WARNING: a service left out is absent from the desired state, so what an earlier apply made of it
// (with its profile) is removed as "no longer in the manifest" — docker compose up would leave it.
// This layer does not see the Engine: the warning says so for every service left out.
import { type Issues, quoteValue } from '../manifest/issues.js';
import type { MapEntry, Node } from '../manifest/tree.js';
import { get, isMap, isSeq, map, text, writtenText } from './nodes.js';
import type { Reading } from './reading.js';

/** Compose's profile names. */
const PROFILE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** A profile name as written; anything else quoted as values are (a line moved into the list, an environment entry, may hold a secret). */
const shown = (profile: string): string => (PROFILE_NAME.test(profile) ? profile : quoteValue(profile));

/** The selected profiles: the --profile options, else COMPOSE_PROFILES. */
export function selectedProfiles(options: readonly string[], variable: string | undefined): string[] {
  const given = options.length > 0 ? options : (variable ?? '').split(',');
  return [...new Set(given.map((p) => p.trim()).filter((p) => p !== ''))];
}

/** What a left-out service loses on the Engine, per reading. */
const REMOVED: Readonly<Record<Reading, string>> = {
  containers: 'its containers are removed if an earlier apply made them (docker compose up would leave them)',
  services: 'its Swarm service is removed if an earlier apply made it',
};

/** The model without the services whose profiles are not selected. */
export function applyProfiles(root: Node, selected: readonly string[], reading: Reading, issues: Issues): Node {
  const services = get(root, 'services');
  if (!isMap(root) || !isMap(services)) return root;
  const all = selected.includes('*');
  const kept = new Map<string, MapEntry>();
  for (const [name, entry] of services.entries) {
    const profiles = get(entry.value, 'profiles');
    const items = isSeq(profiles) ? profiles.items.filter((p) => text(p) !== undefined) : [];
    const names = items.map((p) => text(p) as string);
    if (names.length === 0 || all || names.some((p) => selected.includes(p))) {
      kept.set(name, entry);
      continue;
    }
    // As written (${VAR} kept): the warning is positioned on the service, not on the values.
    const written = items.map((p) => shown(writtenText(p) ?? ''));
    issues.warning(entry.keyLoc, ['services', name], `not deployed, and ${REMOVED[reading]}: its profile${names.length === 1 ? '' : 's'} (${written.join(', ')}) ${names.length === 1 ? 'is' : 'are'} not selected (select with --profile ${written[0] as string}, or COMPOSE_PROFILES)`);
  }
  const entries = new Map(root.entries);
  entries.set('services', { keyLoc: (root.entries.get('services') as MapEntry).keyLoc, value: map(kept, services.loc) });
  return map(entries, root.loc);
}
