// Image references: one spelling per image, so that `busybox`, `busybox:latest` and
// `docker.io/library/busybox:latest` are recognised as the same image when looking it up among the
// images present on the Engine (whose RepoTags use the short form).

/** The lookup key of an image reference: short registry form, with an explicit tag. */
export function imageKey(ref: string): string {
  let r = ref.trim();
  if (r.startsWith('docker.io/')) r = r.slice('docker.io/'.length);
  if (r.startsWith('library/')) r = r.slice('library/'.length);
  if (r.includes('@')) return r; // pinned by digest: already exact
  const lastSlash = r.lastIndexOf('/');
  const hasTag = r.indexOf(':', lastSlash + 1) !== -1;
  return hasTag ? r : `${r}:latest`;
}
