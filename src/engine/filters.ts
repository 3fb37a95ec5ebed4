// The Engine's `filters` query parameter: a JSON object of filter name → set of values. Sent in
// the map form the Go client sends (`{"label":{"a=b":true}}`), with sorted keys so the same filter
// always makes the same URL. Pure.

/** Filter name → one value or several (any of which matches, as the Engine ORs values of one name). */
export type Filters = Readonly<Record<string, string | readonly string[] | undefined>>;

/** The JSON text for `?filters=`, or undefined when there is nothing to filter on. */
export function encodeFilters(filters: Filters | undefined): string | undefined {
  if (filters === undefined) return undefined;
  const encoded: Record<string, Record<string, true>> = {};
  for (const name of Object.keys(filters).sort()) {
    const raw = filters[name];
    const values = raw === undefined ? [] : typeof raw === 'string' ? [raw] : [...raw];
    if (values.length === 0) continue;
    const set: Record<string, true> = {};
    for (const value of [...values].sort()) set[value] = true;
    encoded[name] = set;
  }
  return Object.keys(encoded).length === 0 ? undefined : JSON.stringify(encoded);
}

/** `label` filter values from a label map: `{a: 'b', c: undefined}` → `['a=b', 'c']` (c: any value). */
export function labelFilter(labels: Readonly<Record<string, string | undefined>>): string[] {
  return Object.keys(labels)
    .sort()
    .map((key) => {
      const value = labels[key];
      return value === undefined ? key : `${key}=${value}`;
    });
}
