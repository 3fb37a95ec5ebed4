// Messages about a translated Compose file name Compose paths: the shared tail validates the moor
// tree (`containers.web_2.ports[0]`), and this rewrites each moor path in an issue, as its path
// and wherever the message quotes one, to the Compose path its value came from
// (`services.web.ports[0]`), using the record translate.ts keeps. Positions are already right: the
// translated nodes kept them.
import type { Issue } from '../manifest/issues.js';

const PATH_TOKEN = /\b(?:containers|services|networks|volumes|secrets|configs)(?:\.[A-Za-z0-9_-]+|\[(?:[0-9]+|"(?:[^"\\]|\\.)*")\])*/g;

/** Rewrites moor paths to Compose paths; `paths` maps formatted moor paths to formatted Compose paths. */
export function composePathOf(moorPath: string, paths: ReadonlyMap<string, string>): string {
  let best: string | undefined;
  for (const key of paths.keys()) {
    if (moorPath === key || (moorPath.startsWith(key) && (moorPath[key.length] === '.' || moorPath[key.length] === '['))) {
      if (best === undefined || key.length > best.length) best = key;
    }
  }
  return best === undefined ? moorPath : `${paths.get(best) as string}${moorPath.slice(best.length)}`;
}

export function rewriteIssue(issue: Issue, paths: ReadonlyMap<string, string>): Issue {
  if (paths.size === 0) return issue;
  return { ...issue, path: composePathOf(issue.path, paths), message: issue.message.replace(PATH_TOKEN, (token) => composePathOf(token, paths)) };
}
