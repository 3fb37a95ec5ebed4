// The results as markdown (bench/RESULTS.md): the machine and versions, the load while it ran,
// start-up, the pure-CPU plan, one table per project size (tool x scenario: median ms with min-max,
// Engine requests, ratios), and the targets of issue 9 checked against the same run. The
// hand-written history of optimisations (bench/HISTORY.md) is appended as it is.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EngineClient } from '../src/engine/index.js';
import { median } from './measure.js';
import type { Counts } from './proxy.js';
import type { Part } from './generate.js';
import { SCENARIO_TITLES, SCENARIOS, type Paths, type Scenario, type ToolName } from './tools.js';

export interface Sample {
  readonly tool: ToolName;
  readonly part: Part;
  readonly scenario: Scenario;
  readonly n: number;
  readonly round: number;
  readonly viaProxy: boolean;
  readonly ms: number;
  /** From the command's start until the Engine showed the work done (tasks running, objects gone). */
  readonly convergedMs: number | null;
  readonly exitCode: number;
  readonly rssKb: number | null;
  /** CPU time of the command, user + system (GNU time's resolution: 10 ms). */
  readonly cpuMs: number | null;
  readonly counts: Counts | null;
  /** 1-minute load average when the command started. */
  readonly load: number;
  readonly note: string;
}

export interface StartupResult {
  readonly label: string;
  readonly ms: readonly number[];
  readonly cpuMs: readonly number[];
  readonly rssKb: readonly number[];
}

export interface CpuResult {
  readonly services: number;
  readonly loadMs: number;
  readonly observeMs: number;
  readonly planMs: number;
  readonly renderMs: number;
  readonly totalMs: number;
  readonly totalCpuMs: number;
  readonly heapUsedMb: number;
  readonly rssKb: number | null;
  readonly processMs: number;
  readonly processCpuMs: number | null;
}

export interface Facts {
  readonly date: string;
  readonly durationMin: number;
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGb: number;
  readonly os: string;
  readonly node: string;
  readonly engine: string;
  readonly docker: string;
  readonly compose: string;
  readonly moor: string;
  readonly loads: readonly (readonly number[])[];
}

const tryRun = (cmd: string, args: string[]): string => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
};

/** moor's version and commit, as built for the run: taken when the run starts (later commits are not what ran). */
export function moorBuild(repo: string): string {
  const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { version: string };
  const dirty = tryRun('git', ['-C', repo, 'status', '--porcelain', '--', 'src', 'bin', 'package.json']) === '' ? '' : ', with local changes';
  return `${pkg.version} (${tryRun('git', ['-C', repo, 'rev-parse', '--short', 'HEAD'])}${dirty})`;
}

export async function machineFacts(engine: EngineClient, paths: Paths, started: Date, loads: readonly (readonly number[])[], moor: string): Promise<Facts> {
  const info = await engine.system.info();
  const osRelease = existsSync('/etc/os-release') ? (/PRETTY_NAME="([^"]*)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'Linux') : os.type();
  return {
    date: started.toISOString(),
    durationMin: (Date.now() - started.getTime()) / 60_000,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGb: os.totalmem() / 2 ** 30,
    os: `${osRelease}, kernel ${os.release()}`,
    node: process.version,
    engine: `Docker Engine ${info.ServerVersion ?? '?'} (API ${engine.apiVersion}), Swarm ${info.Swarm?.LocalNodeState ?? '?'}`,
    docker: `${paths.docker} ${tryRun(paths.docker, ['version', '--format', '{{.Client.Version}}'])}`,
    compose: `${paths.compose} ${tryRun(paths.compose, ['version', '--short'])}`,
    moor,
    loads,
  };
}

interface Options {
  readonly sizes: readonly number[];
  readonly rounds: number;
  readonly bigRounds: number;
  readonly quick: boolean;
  readonly cpuServices: number;
}

export interface Report {
  readonly facts: Facts;
  readonly samples: readonly Sample[];
  readonly startup: readonly StartupResult[];
  readonly cpu: readonly CpuResult[];
  readonly options: Options;
}

/** A tool's figures for one scenario of one part and size. */
interface Cell {
  readonly ms: readonly number[];
  readonly converged: readonly number[];
  readonly counts: Counts | null;
  readonly rssKb: readonly number[];
  readonly cpuMs: readonly number[];
  readonly failures: readonly string[];
  readonly failed: boolean;
}


function cell(samples: readonly Sample[], tool: ToolName, part: Part, scenario: Scenario, n: number): Cell | null {
  const mine = samples.filter((s) => s.tool === tool && s.part === part && s.scenario === scenario && s.n === n);
  if (mine.length === 0) return null;
  const timed = mine.filter((s) => !s.viaProxy);
  const ok = timed.filter((s) => s.exitCode === 0);
  const counted = mine.find((s) => s.viaProxy);
  const failures = [...new Set(mine.filter((s) => s.exitCode !== 0).map((s) => s.note))];
  return {
    ms: timed.map((s) => s.ms),
    converged: ok.flatMap((s) => (s.convergedMs === null ? [] : [s.convergedMs])),
    counts: counted?.counts ?? null,
    rssKb: timed.flatMap((s) => (s.rssKb === null ? [] : [s.rssKb])),
    cpuMs: timed.flatMap((s) => (s.cpuMs === null ? [] : [s.cpuMs])),
    failures,
    failed: mine.some((s) => s.exitCode !== 0),
  };
}

/** Adds two tools' cells round by round (the peers' `all` = stack deploy, then docker-compose). */
function sum(a: Cell | null, b: Cell | null): Cell | null {
  if (a === null || b === null) return a ?? b;
  const add = (x: readonly number[], y: readonly number[]): number[] => x.slice(0, Math.min(x.length, y.length)).map((v, i) => v + (y[i] as number));
  const counts: Counts | null =
    a.counts === null || b.counts === null
      ? null
      : { total: a.counts.total + b.counts.total, writes: a.counts.writes + b.counts.writes, byMethod: {}, byRoute: {} };
  return { ms: add(a.ms, b.ms), converged: add(a.converged, b.converged), counts, rssKb: [], cpuMs: add(a.cpuMs, b.cpuMs), failures: [...a.failures, ...b.failures], failed: a.failed || b.failed };
}

/** The peer's cell for a scenario: no plan, so its nearest action is the no-op re-apply. */
function peerCell(samples: readonly Sample[], part: Part, scenario: Scenario, n: number): { label: string; cell: Cell | null } {
  // No --wait for the peers: beside moor's apply --wait stands their plain run (see its "until running").
  const stackScenario: Scenario = scenario === 'plan-noop' ? 'apply-noop' : scenario === 'change-env-wait' ? 'change-env' : scenario;
  const composeScenario: Scenario = scenario === 'plan-noop' || scenario === 'change-config' || scenario === 'change-env-wait' ? 'apply-noop' : scenario;
  if (part === 'swarm') return { label: 'stack deploy', cell: cell(samples, 'stack', 'swarm', stackScenario, n) };
  if (part === 'containers') return { label: 'docker-compose', cell: scenario === 'change-config' || scenario === 'change-env-wait' ? null : cell(samples, 'compose', 'containers', composeScenario, n) };
  // For `all`, only the service changes in scenario 4: docker-compose re-runs as a no-op.
  const compose = cell(samples, 'compose', 'containers', scenario === 'change-env' ? 'apply-noop' : composeScenario, n);
  return { label: 'stack + compose', cell: sum(cell(samples, 'stack', 'swarm', stackScenario, n), compose) };
}

const fmt = (v: number): string => (Number.isFinite(v) ? (v >= 100 ? v.toFixed(0) : v.toFixed(1)) : '–');
const range = (c: Cell | null): string => {
  if (c === null || c.ms.length === 0) return '–';
  const failed = c.failed ? ' ✗' : '';
  return `${fmt(median(c.ms))} (${fmt(Math.min(...c.ms))}–${fmt(Math.max(...c.ms))})${failed}`;
};
const reqs = (c: Cell | null): string => (c?.counts === null || c === null ? '–' : `${c.counts.total} (${c.counts.writes} w)`);
const cpu = (c: Cell | null): string => (c === null || c.cpuMs.length === 0 ? '–' : fmt(median(c.cpuMs)));
const conv = (c: Cell | null): string => (c === null || c.converged.length === 0 ? '–' : fmt(median(c.converged)));
const ratio = (a: Cell | null, b: Cell | null): string => {
  if (a === null || b === null || a.ms.length === 0 || b.ms.length === 0) return '–';
  return `${(median(a.ms) / median(b.ms)).toFixed(2)}×`;
};

function sizeTable(samples: readonly Sample[], n: number): string {
  const rows: string[] = [
    '| scenario | part | moor ms (min–max) | moor req (writes) | moor peak RSS MB | peer | peer ms (min–max) | peer req (writes) | **moor/peer** | floor ms | floor req | moor/floor | CPU ms: moor · peer · floor | until running/gone: moor · peer · floor (ms) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const scenario of SCENARIOS) {
    for (const part of ['swarm', 'containers', 'all'] as const) {
      const moor = cell(samples, 'moor', part, scenario, n);
      if (moor === null) continue;
      const peer = peerCell(samples, part, scenario, n);
      const floor = cell(samples, 'floor', part, scenario, n);
      const rss = moor.rssKb.length === 0 ? '–' : fmt(Math.max(...moor.rssKb) / 1024);
      // moor's apply --wait returns when the new task runs: beside it, the time until the peer's did.
      const waited = scenario === 'change-env-wait';
      const peerLabel = waited ? `${peer.label} (until its new task runs)` : `${peer.label}${scenario === 'plan-noop' ? ' (re-apply)' : ''}`;
      const peerTime = waited && peer.cell !== null ? { ...peer.cell, ms: peer.cell.converged } : peer.cell;
      rows.push(
        `| ${SCENARIO_TITLES[scenario]} | ${part} | ${range(moor)} | ${reqs(moor)} | ${rss} | ${peerLabel} | ${range(peerTime)} | ${reqs(peer.cell)} | **${ratio(moor, peerTime)}** | ${range(floor)} | ${reqs(floor)} | ${ratio(moor, floor)} | ${cpu(moor)} · ${cpu(peer.cell)} · ${cpu(floor)} | ${conv(moor)} · ${conv(peer.cell)} · ${conv(floor)} |`,
      );
    }
  }
  const failures = samples.filter((s) => s.n === n && s.exitCode !== 0);
  const notes = [...new Set(failures.map((s) => `- ✗ ${s.tool} (${s.part}) ${SCENARIO_TITLES[s.scenario]}: exit ${s.exitCode}: \`${s.note.slice(0, 200)}\``))];
  return `${rows.join('\n')}\n${notes.length > 0 ? `\nFailures (✗):\n${notes.join('\n')}\n` : ''}`;
}

interface Target {
  readonly what: string;
  readonly measured: string;
  readonly met: boolean | null;
}

function targets(report: Report): Target[] {
  const { samples } = report;
  const n = report.options.sizes.includes(30) ? 30 : (report.options.sizes[report.options.sizes.length - 1] ?? 0);
  const out: Target[] = [];
  const med = (c: Cell | null): number => (c === null || c.ms.length === 0 ? Number.NaN : median(c.ms));
  // A figure missing from the run (a tool or size left out) makes the comparison NaN: not judged.
  const check = (what: string, measured: string, ok: boolean): void => {
    out.push({ what, measured, met: /NaN|–|\?/.test(measured) ? null : ok });
  };
  // The floor's figure against the same peer: where even the floor misses, no Node client meets it.
  const floorVs = (part: Part, scenario: Scenario, peer: Cell | null, faster = false): string => {
    const floor = cell(samples, 'floor', part, scenario, n);
    if (floor === null || peer === null) return '';
    const value = faster ? `${(med(peer) / med(floor)).toFixed(1)}× faster` : `${(med(floor) / med(peer)).toFixed(2)}×`;
    return `; the floor: ${fmt(med(floor))} ms, ${value}`;
  };
  const planSwarm = cell(samples, 'moor', 'swarm', 'plan-noop', n);
  const stackNoop = cell(samples, 'stack', 'swarm', 'apply-noop', n);
  check(
    `N=${n}: no-op plan (Swarm part) ≤ 0.5× stack deploy's no-op re-deploy`,
    `${fmt(med(planSwarm))} / ${fmt(med(stackNoop))} ms = ${(med(planSwarm) / med(stackNoop)).toFixed(2)}×${floorVs('swarm', 'plan-noop', stackNoop)}`,
    med(planSwarm) <= 0.5 * med(stackNoop),
  );
  const planAll = cell(samples, 'moor', 'all', 'plan-noop', n);
  check(`N=${n}: no-op plan (whole project) makes zero writes`, `${planAll?.counts?.writes ?? '?'} writes (${planAll?.counts?.total ?? '?'} requests)`, planAll?.counts?.writes === 0);
  const planCtr = cell(samples, 'moor', 'containers', 'plan-noop', n);
  const composeNoop = cell(samples, 'compose', 'containers', 'apply-noop', n);
  check(`N=${n}: no-op plan (container part) ≥ 5× faster than docker-compose's no-op`, `${(med(composeNoop) / med(planCtr)).toFixed(1)}× faster (${fmt(med(planCtr))} vs ${fmt(med(composeNoop))} ms)${floorVs('containers', 'plan-noop', composeNoop, true)}`, med(composeNoop) >= 5 * med(planCtr));
  const floorPlan = cell(samples, 'floor', 'all', 'plan-noop', n);
  check(`N=${n}: no-op plan (whole project) within 1.5× of the floor`, `${fmt(med(planAll))} / ${fmt(med(floorPlan))} ms = ${(med(planAll) / med(floorPlan)).toFixed(2)}×`, med(planAll) <= 1.5 * med(floorPlan));
  const envMoor = cell(samples, 'moor', 'swarm', 'change-env', n);
  const envStack = cell(samples, 'stack', 'swarm', 'change-env', n);
  check(`N=${n}: one env value changed: exactly one mutating request`, `${envMoor?.counts?.writes ?? '?'} writes`, envMoor?.counts?.writes === 1);
  check(
    `N=${n}: one env value changed: ≤ 0.5× stack deploy's time`,
    `${fmt(med(envMoor))} / ${fmt(med(envStack))} ms = ${(med(envMoor) / med(envStack)).toFixed(2)}× (new task running after ${conv(envMoor)} vs ${conv(envStack)} ms, polled by the harness)${floorVs('swarm', 'change-env', envStack)}`,
    med(envMoor) <= 0.5 * med(envStack),
  );
  const waitMoor = cell(samples, 'moor', 'swarm', 'change-env-wait', n);
  if (waitMoor !== null) {
    out.push({
      what: `N=${n}: one env value changed, until the new task runs: \`moor apply --wait\` beside stack deploy (polled)`,
      measured: `moor apply --wait returned after ${fmt(med(waitMoor))} ms; stack deploy's new task ran after ${conv(envStack)} ms`,
      met: null,
    });
  }
  const firstMoor = cell(samples, 'moor', 'all', 'apply-first', n);
  const firstPeers = peerCell(samples, 'all', 'apply-first', n).cell;
  check(
    `N=${n}: first apply no slower than stack deploy + docker-compose`,
    `${fmt(med(firstMoor))} / ${fmt(med(firstPeers))} ms = ${(med(firstMoor) / med(firstPeers)).toFixed(2)}× (everything running after ${conv(firstMoor)} vs ${conv(firstPeers)} ms)${floorVs('all', 'apply-first', firstPeers)}`,
    med(firstMoor) <= med(firstPeers),
  );
  const help = report.startup.find((s) => s.label === 'moor --help');
  const bare = report.startup.find((s) => s.label === 'node -e 0');
  if (help !== undefined && bare !== undefined) {
    check('moor --help ≤ 1.5× bare `node -e 0`', `${fmt(median(help.ms))} / ${fmt(median(bare.ms))} ms = ${(median(help.ms) / median(bare.ms)).toFixed(2)}×`, median(help.ms) <= 1.5 * median(bare.ms));
  }
  if (report.cpu.length > 0) {
    const total = median(report.cpu.map((c) => c.totalMs));
    const rss = Math.max(...report.cpu.map((c) => c.rssKb ?? Number.POSITIVE_INFINITY)) / 1024;
    check(`pure plan of ${report.cpu[0]?.services ?? '?'} services < 1 s and < 200 MB RSS`, `${fmt(total)} ms, ${fmt(rss)} MB peak RSS`, total < 1000 && rss < 200);
  }
  return out;
}

export function renderReport(report: Report): string {
  const { facts, options } = report;
  const loads1 = facts.loads.map((l) => l[0] ?? 0);
  const parts: string[] = [];
  parts.push(`# moor benchmarks: results

Written by \`npm run bench${options.quick ? ' -- --quick' : ''}\` (bench/run.ts) on ${facts.date}, in ${facts.durationMin.toFixed(1)} min: moor, \`docker stack deploy\`, docker-compose and the
floor ran the same work in the same run, round after round. See bench/README.md for what each scenario does and how it is measured.

## Machine and versions

| | |
|---|---|
| CPU | ${facts.cpu}, ${facts.cores} cores, ${facts.memoryGb.toFixed(0)} GiB |
| OS | ${facts.os} |
| Node.js | ${facts.node} |
| Engine | ${facts.engine} |
| stack deploy | ${facts.docker} |
| docker-compose | ${facts.compose} |
| moor | ${facts.moor} |
| load (1-min average at each round's start) | min ${fmt(Math.min(...loads1))}, median ${fmt(median(loads1))}, max ${fmt(Math.max(...loads1))} |
| runs | ${options.rounds} timed rounds (${options.bigRounds} for N ≥ 100) + 1 counted round through the proxy; sizes ${options.sizes.join(', ')} |
`);
  parts.push(`## Targets (issue 9), from this run

| target | measured | met |
|---|---|---|
${targets(report)
  .map((t) => `| ${t.what} | ${t.measured} | ${t.met === null ? '–' : t.met ? '✅' : '❌'} |`)
  .join('\n')}
`);
  parts.push(`## Start-up

| command | median ms (min–max) | CPU ms (median) | peak RSS MB |
|---|---|---|---|
${report.startup.map((s) => `| \`${s.label}\` | ${fmt(median(s.ms))} (${fmt(Math.min(...s.ms))}–${fmt(Math.max(...s.ms))}) | ${fmt(median(s.cpuMs))} | ${s.rssKb.length === 0 ? '–' : fmt(Math.max(...s.rssKb) / 1024)} |`).join('\n')}
`);
  if (report.cpu.length > 0) {
    const m = (f: (c: CpuResult) => number): string => fmt(median(report.cpu.map(f)));
    parts.push(`## Pure plan: ${report.cpu[0]?.services ?? '?'} services, no Engine (${report.cpu.length} runs, medians)

| load manifest | observe (decode recorded answers) | plan | render | **total** (CPU time) | process wall time · CPU time (incl. start-up, making the recording) | heap used MB | **peak RSS MB** |
|---|---|---|---|---|---|---|---|
| ${m((c) => c.loadMs)} | ${m((c) => c.observeMs)} | ${m((c) => c.planMs)} | ${m((c) => c.renderMs)} | **${m((c) => c.totalMs)}** (${m((c) => c.totalCpuMs)}) | ${m((c) => c.processMs)} · ${m((c) => c.processCpuMs ?? Number.NaN)} | ${m((c) => c.heapUsedMb)} | **${fmt(Math.max(...report.cpu.map((c) => c.rssKb ?? 0)) / 1024)}** |
`);
  }
  for (const n of options.sizes) {
    parts.push(`## N = ${n}: ${n} services + ${Math.floor(n / 3)} containers

Times are wall times of the command in ms: median (min–max) of the timed rounds; CPU ms is the command's own CPU time (user + system, median), which other load on the machine hardly moves. Requests: from the counted round (writes = POST/PUT/DELETE).
Ratios are of medians; below 1 means moor is faster. Peers have no plan: under scenario 3 their no-op re-apply stands in.

${sizeTable(report.samples, n)}`);
  }
  const history = path.join(path.dirname(new URL(import.meta.url).pathname), 'HISTORY.md');
  if (existsSync(history)) parts.push(readFileSync(history, 'utf8'));
  return `${parts.join('\n')}`;
}

export function writeReport(file: string, report: Report): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, renderReport(report));
}
