// The kinds of object moor reconciles, and their ids (`kind/name`, e.g. `service/web`).

export const OBJECT_KINDS = ['network', 'volume', 'secret', 'config', 'container', 'service'] as const;
export type ObjectKind = (typeof OBJECT_KINDS)[number];

/** `kind/name`: how objects are named in plans, errors and logs. */
export type ObjectId = `${ObjectKind}/${string}`;

export function objectId(kind: ObjectKind, name: string): ObjectId {
  return `${kind}/${name}`;
}

export function parseObjectId(id: string): { kind: ObjectKind; name: string } | null {
  const slash = id.indexOf('/');
  if (slash <= 0) return null;
  const kind = id.slice(0, slash);
  const name = id.slice(slash + 1);
  if (!(OBJECT_KINDS as readonly string[]).includes(kind) || name === '') return null;
  return { kind: kind as ObjectKind, name };
}
