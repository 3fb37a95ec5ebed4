// The tools under benchmark and the command each runs for each scenario, with its best flags:
//   moor     bin/moor (plan / apply --yes / destroy --yes)
//   stack    `docker stack deploy --resolve-image never --prune` (Swarm part), `docker stack rm`
//   compose  `docker-compose up -d --no-build --remove-orphans` (container part), `down`
//   floor    bench/floor.ts, bundled: the fewest requests the work needs, with moor's client
// --prune and --remove-orphans give the peers moor's semantics (owned objects no longer in the
// file are removed); neither costs a request more in these scenarios' no-op paths than listing,
// which both tools do anyway.
import path from 'node:path';
import type { Part } from './generate.js';

export type ToolName = 'moor' | 'stack' | 'compose' | 'floor';
export type Scenario = 'apply-first' | 'apply-noop' | 'plan-noop' | 'change-env' | 'change-config' | 'change-env-wait' | 'destroy';

export const SCENARIOS: readonly Scenario[] = ['apply-first', 'apply-noop', 'plan-noop', 'change-env', 'change-config', 'change-env-wait', 'destroy'];

export const SCENARIO_TITLES: Readonly<Record<Scenario, string>> = {
  'apply-first': '1. first apply (from empty)',
  'apply-noop': '2. no-op re-apply',
  'plan-noop': '3. no-op plan',
  'change-env': '4. one env value changed',
  'change-config': "5. one config's content changed",
  'change-env-wait': '4b. one env value changed, apply --wait',
  destroy: '6. destroy',
};

export interface Paths {
  readonly repo: string;
  readonly docker: string;
  readonly compose: string;
  readonly floor: string;
}

export interface Invocation {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
}

export interface ToolContext {
  readonly paths: Paths;
  /** Where the project files are. */
  readonly dir: string;
  /** Project / stack name: also the Engine name prefix before `_`. */
  readonly name: string;
  readonly part: Part;
}

/** Which parts each tool runs; peers cover `all` as stack + compose, added up from their parts. */
export const TOOL_PARTS: Readonly<Record<ToolName, readonly Part[]>> = {
  moor: ['swarm', 'containers', 'all'],
  stack: ['swarm'],
  compose: ['containers'],
  // Per part too: beside each peer's figure, what moor's client doing only the needed requests
  // takes, so that a target no Node program can reach shows as such.
  floor: ['swarm', 'containers', 'all'],
};

/**
 * The command of a scenario, or null where the tool has nothing for it. Peers have no plan: their
 * nearest action to a no-op plan is the no-op re-apply itself (reported under scenario 3 too).
 */
export function invocation(tool: ToolName, scenario: Scenario, ctx: ToolContext): Invocation | null {
  const { paths, dir, name } = ctx;
  switch (tool) {
    case 'moor': {
      const moor = path.join(paths.repo, 'bin', 'moor');
      const file = ['-f', path.join(dir, 'moor.yaml')];
      if (scenario === 'plan-noop') return { command: moor, args: ['plan', ...file, '--no-color'], cwd: dir };
      if (scenario === 'destroy') return { command: moor, args: ['destroy', ...file, '--yes', '--no-color'], cwd: dir };
      // Returns once the changed service's new task runs: its wall time is the "until running".
      if (scenario === 'change-env-wait') return { command: moor, args: ['apply', ...file, '--yes', '--wait', '--no-color'], cwd: dir };
      return { command: moor, args: ['apply', ...file, '--yes', '--no-color'], cwd: dir };
    }
    case 'stack':
      // stack deploy 20.10 has no way to wait (no --detach=false): its "until running" is polled.
      if (scenario === 'plan-noop' || scenario === 'change-env-wait') return null;
      if (scenario === 'destroy') return { command: paths.docker, args: ['stack', 'rm', name], cwd: dir };
      return { command: paths.docker, args: ['stack', 'deploy', '--resolve-image', 'never', '--prune', '-c', 'stack.yml', name], cwd: dir };
    case 'compose':
      if (scenario === 'plan-noop' || scenario === 'change-config' || scenario === 'change-env-wait') return null;
      if (scenario === 'destroy') return { command: paths.compose, args: ['-p', name, '-f', 'compose.yml', 'down'], cwd: dir };
      return { command: paths.compose, args: ['-p', name, '-f', 'compose.yml', 'up', '-d', '--no-build', '--remove-orphans'], cwd: dir };
    case 'floor': {
      if (scenario === 'change-env-wait') return null;
      const scenarioArg = scenario === 'change-env' && ctx.part === 'containers' ? 'change-ctr' : scenario;
      return { command: process.execPath, args: [paths.floor, scenarioArg, path.join(dir, 'floor.json')], cwd: dir };
    }
  }
}
