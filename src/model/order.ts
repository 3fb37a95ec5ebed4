// Deterministic order of texts: by UTF-16 code units, the same on every machine and locale. Pure.
//
// Not localeCompare: its order follows the locale, and its first call loads ICU's collation data,
// ~10 ms of a command that had not needed it yet (bench/HISTORY.md, session 12).

/** Compares two texts by code units: a sort comparator. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
