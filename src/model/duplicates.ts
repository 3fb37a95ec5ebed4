// Which of several networks of one name moor keeps.
//
// WARNING: on API 1.41 (Docker 20.10) the Engine's duplicate-name check for networks is best
// effort: two creates of the same name that race both succeed (two moor runs on different hosts,
// or a create the Engine was still carrying out when moor died or lost the connection). Containers
// can then no longer attach by that name ("ambiguous", or "not found" on start). Every moor run
// applies the same rule to the project's networks of one name, so runs that race agree on which
// one survives: the oldest (Created, then the id as the tie-break).

export interface Aged {
  readonly id: string;
  /** The Engine's Created timestamp (RFC 3339), when known. */
  readonly created?: string | undefined;
}

/** Sort order: the network to keep first. */
export function oldestFirst(a: Aged, b: Aged): number {
  const time = (x: Aged): number => {
    const t = x.created === undefined ? Number.NaN : Date.parse(x.created);
    return Number.isNaN(t) ? Number.POSITIVE_INFINITY : t;
  };
  return time(a) - time(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
