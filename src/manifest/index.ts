// The manifest layer's public API: load and validate manifests into the desired model.
export { loadManifest, resolveTree, MAX_MANIFEST_BYTES, type LoadOptions, type LoadResult, type ResolveContext } from './load.js';
export { type Issue, type Severity, Issues, ManifestError, formatIssue, formatPath } from './issues.js';
export type { Manifest } from './manifest-types.js';
export { type Node, Locator } from './tree.js';
