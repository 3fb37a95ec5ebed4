// The benchmark harness (`npm run bench`, see bench/README.md): runs moor, the peers and the floor
// on the same generated projects, in the same run, round after round, and writes the results.
//
// A round runs, for every part (swarm, containers, all) and every tool that covers it, the six
// scenarios in order on a fresh project: first apply, no-op apply, no-op plan, one env value
// changed, one config changed, destroy; then removes whatever is left. Round 0 goes through the
// counting proxy (requests per command) and is not timed; rounds 1..R are timed, straight on the
// Engine's socket.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { EngineClient } from '../src/engine/index.js';
import { cleanUp, waitConverged, waitGone, type Expectation } from './engine-state.js';
import { CHANGED_CONTAINER, CHANGED_SERVICE, FIRST_REVISION, floorProject, shapeOf, writeProject, type Part, type Revision } from './generate.js';
import { lastLine, loadAverage, runCommand } from './measure.js';
import { CountingProxy, type Counts } from './proxy.js';
import { machineFacts, moorBuild, writeReport, type CpuResult, type Report, type Sample, type StartupResult } from './report.js';
import { invocation, SCENARIOS, TOOL_PARTS, type Paths, type Scenario, type ToolName } from './tools.js';

const REPO = path.resolve(import.meta.dirname, '..');
const WORK = path.join(REPO, 'bench', '.work');

interface Options {
  readonly sizes: number[];
  readonly rounds: number;
  readonly bigRounds: number;
  readonly tools: ToolName[];
  readonly out: string;
  readonly quick: boolean;
  readonly cpuServices: number;
  /** Only render the results of an earlier run from its samples file (bench/.work/samples-*.json). */
  readonly render: string | null;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      quick: { type: 'boolean' },
      sizes: { type: 'string' },
      runs: { type: 'string' },
      'big-runs': { type: 'string' },
      tools: { type: 'string' },
      out: { type: 'string' },
      'cpu-services': { type: 'string' },
      render: { type: 'string' },
    },
    strict: true,
  });
  const quick = values.quick === true;
  const list = (s: string): string[] => s.split(',').map((x) => x.trim()).filter((x) => x !== '');
  const sizes = values.sizes !== undefined ? list(values.sizes).map(Number) : quick ? [10] : [10, 30, 100];
  if (sizes.some((n) => !Number.isInteger(n) || n < 3)) throw new Error(`--sizes must be whole numbers of at least 3, not ${values.sizes}`);
  const count = (v: string | undefined, d: number, flag: string): number => {
    const n = v === undefined ? d : Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a whole number of at least 1, not ${v}`);
    return n;
  };
  const tools = (values.tools !== undefined ? list(values.tools) : ['moor', 'stack', 'compose', 'floor']) as ToolName[];
  for (const t of tools) if (!(t in TOOL_PARTS)) throw new Error(`--tools: unknown tool ${t} (moor, stack, compose, floor)`);
  return {
    sizes,
    rounds: count(values.runs, quick ? 1 : 5, '--runs'),
    bigRounds: count(values['big-runs'], quick ? 1 : 3, '--big-runs'),
    tools,
    out: values.out ?? (quick ? path.join(WORK, 'RESULTS.quick.md') : path.join(REPO, 'bench', 'RESULTS.md')),
    quick,
    cpuServices: count(values['cpu-services'], 1000, '--cpu-services'),
    render: values.render ?? null,
  };
}

const TOOL_LETTER: Readonly<Record<ToolName, string>> = { moor: 'm', stack: 's', compose: 'c', floor: 'f' };
const PART_LETTER: Readonly<Record<Part, string>> = { swarm: 's', containers: 'c', all: 'a' };

interface RoundContext {
  readonly engine: EngineClient;
  readonly paths: Paths;
  readonly runId: string;
  readonly n: number;
  readonly round: number;
  readonly proxy: CountingProxy | null;
  readonly samples: Sample[];
}

/** The revision each scenario runs with (every round starts from an empty Engine). */
function revisionFor(scenario: Scenario, part: Part, round: number): Revision {
  if (scenario === 'change-env') return part === 'containers' ? { ...FIRST_REVISION, ctr: round + 1 } : { ...FIRST_REVISION, env: round + 1 };
  // After scenario 5: the config keeps its new content, only the env value moves again.
  if (scenario === 'change-env-wait') return { ...FIRST_REVISION, env: envWaitValue(round), config: round + 1 };
  if (scenario === 'change-config' || scenario === 'destroy') return { env: part === 'containers' ? 0 : round + 1, ctr: part === 'containers' ? round + 1 : 0, config: part === 'containers' ? 0 : round + 1 };
  return FIRST_REVISION;
}

const envWaitValue = (round: number): number => round + 51;

function expectationFor(scenario: Scenario, part: Part, n: number, prefix: string, round: number): Expectation | 'gone' | null {
  const shape = shapeOf(n);
  const base = { prefix, services: part === 'containers' ? 0 : shape.services, containers: part === 'swarm' ? 0 : shape.containers };
  switch (scenario) {
    case 'apply-first':
      return base;
    case 'change-env':
      return part === 'containers'
        ? { ...base, containerEnv: { container: CHANGED_CONTAINER, entry: `REV=${round + 1}` } }
        : { ...base, serviceEnv: { service: `${prefix}${CHANGED_SERVICE}`, entry: `REV=${round + 1}` } };
    case 'change-config':
      return { ...base, serviceConfigs: { service: `${prefix}${CHANGED_SERVICE}` } };
    case 'change-env-wait':
      return { ...base, serviceEnv: { service: `${prefix}${CHANGED_SERVICE}`, entry: `REV=${envWaitValue(round)}` } };
    case 'destroy':
      return 'gone';
    default:
      return null;
  }
}

async function runSequence(ctx: RoundContext, tool: ToolName, part: Part): Promise<void> {
  const name = `b${ctx.runId}${TOOL_LETTER[tool]}${PART_LETTER[part]}${ctx.n}`;
  const prefix = `${name}_`;
  const dir = path.join(WORK, 'projects', name);
  const shape = shapeOf(ctx.n);
  rmSync(dir, { recursive: true, force: true });
  await cleanUp(ctx.engine, prefix);
  const env = {
    ...process.env,
    DOCKER_HOST: ctx.proxy?.dockerHost ?? 'unix:///var/run/docker.sock',
    NO_COLOR: '1',
    MOOR_LOCK_DIR: path.join(WORK, 'locks'),
  };
  try {
    for (const scenario of SCENARIOS) {
      if ((scenario === 'change-config' || scenario === 'change-env-wait') && part === 'containers') continue;
      const command = invocation(tool, scenario, { paths: ctx.paths, dir, name, part });
      if (command === null) continue;
      const rev = revisionFor(scenario, part, ctx.round);
      writeProject(dir, name, shape, part, rev);
      writeFileSync(path.join(dir, 'floor.json'), JSON.stringify(floorProject(name, shape, part, rev)));
      const load = loadAverage()[0];
      ctx.proxy?.take();
      const t0 = performance.now();
      const result = await runCommand(command.command, command.args, { cwd: command.cwd, env });
      const counts: Counts | null = ctx.proxy?.take() ?? null;
      let convergedMs: number | null = null;
      const expect = expectationFor(scenario, part, ctx.n, prefix, ctx.round);
      if (result.exitCode === 0 && expect === null) convergedMs = result.ms; // nothing to wait for
      if (result.exitCode === 0 && expect !== null) {
        const ok = expect === 'gone' ? await waitGone(ctx.engine, prefix) : await waitConverged(ctx.engine, expect);
        convergedMs = ok ? performance.now() - t0 : null;
      }
      const sample: Sample = {
        tool,
        part,
        scenario,
        n: ctx.n,
        round: ctx.round,
        viaProxy: ctx.proxy !== null,
        ms: result.ms,
        convergedMs,
        exitCode: result.exitCode,
        rssKb: result.rssKb,
        cpuMs: result.cpuMs,
        counts,
        load,
        note: result.exitCode === 0 ? '' : lastLine(result),
      };
      ctx.samples.push(sample);
      log(sample);
      if (scenario === 'apply-first' && result.exitCode !== 0) break;
    }
  } finally {
    await cleanUp(ctx.engine, prefix);
    rmSync(dir, { recursive: true, force: true });
  }
}

function log(s: Sample): void {
  const req = s.counts === null ? '' : ` req=${s.counts.total} w=${s.counts.writes}`;
  const conv = s.convergedMs === null || s.convergedMs === s.ms ? '' : ` conv=${s.convergedMs.toFixed(0)}`;
  const fail = s.exitCode === 0 ? '' : ` EXIT ${s.exitCode}: ${s.note}`;
  process.stderr.write(`bench: n=${s.n} r${s.round} ${s.tool}/${s.part} ${s.scenario}: ${s.ms.toFixed(0)} ms cpu=${s.cpuMs ?? '?'}${conv}${req} rss=${s.rssKb ?? '?'}KB load=${s.load}${fail}\n`);
}

async function waitForEngine(engine: EngineClient): Promise<void> {
  for (let i = 0; i < 240; i++) {
    try {
      await engine.system.info();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  throw new Error('the Engine did not come back within 2 minutes');
}

async function runStartup(paths: Paths, rounds: number): Promise<StartupResult[]> {
  const moor = path.join(paths.repo, 'bin', 'moor');
  const cases: { label: string; command: string; args: string[]; env?: NodeJS.ProcessEnv }[] = [
    { label: 'node -e 0', command: process.execPath, args: ['-e', '0'] },
    { label: 'moor --help', command: moor, args: ['--help'] },
    { label: 'moor plan --help', command: moor, args: ['plan', '--help'] },
    { label: 'MOOR_NO_COMPILE_CACHE=1 moor plan --help', command: moor, args: ['plan', '--help'], env: { ...process.env, MOOR_NO_COMPILE_CACHE: '1' } },
    { label: 'docker --help', command: paths.docker, args: ['--help'] },
    { label: 'docker-compose version', command: paths.compose, args: ['version', '--short'] },
  ];
  const out: StartupResult[] = [];
  for (const c of cases) {
    const ms: number[] = [];
    const cpuMs: number[] = [];
    const rss: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const r = await runCommand(c.command, c.args, { cwd: paths.repo, env: c.env ?? process.env });
      ms.push(r.ms);
      if (r.cpuMs !== null) cpuMs.push(r.cpuMs);
      if (r.rssKb !== null) rss.push(r.rssKb);
    }
    out.push({ label: c.label, ms, cpuMs, rssKb: rss });
  }
  return out;
}

async function runCpu(paths: Paths, services: number, rounds: number): Promise<CpuResult[]> {
  const out: CpuResult[] = [];
  for (let i = 0; i < rounds; i++) {
    const r = await runCommand(process.execPath, [path.join(WORK, 'cpu.mjs'), String(services)], { cwd: paths.repo, env: process.env });
    if (r.exitCode !== 0) throw new Error(`the CPU benchmark failed: ${lastLine(r)}`);
    out.push({ ...(JSON.parse(r.stdout) as Omit<CpuResult, 'rssKb' | 'processMs' | 'processCpuMs'>), rssKb: r.rssKb, processMs: r.ms, processCpuMs: r.cpuMs });
  }
  return out;
}

/** Renders RESULTS.md again from a run's samples file, e.g. after a change to the report's layout. */
function renderAgain(options: Options, file: string): void {
  const saved = JSON.parse(readFileSync(file, 'utf8')) as Omit<Report, 'options'> & { options?: Report['options'] };
  const sizes = [...new Set(saved.samples.map((s) => s.n))];
  const reportOptions = saved.options ?? { sizes, rounds: options.rounds, bigRounds: options.bigRounds, quick: options.quick, cpuServices: options.cpuServices };
  writeReport(options.out, { ...saved, options: reportOptions });
  process.stderr.write(`bench: results of ${file} written to ${path.relative(process.cwd(), options.out)}\n`);
}

async function main(): Promise<void> {
  const options = parseOptions();
  if (options.render !== null) return renderAgain(options, options.render);
  const paths: Paths = { repo: REPO, docker: process.env.BENCH_DOCKER ?? '/usr/bin/docker', compose: process.env.BENCH_COMPOSE ?? '/usr/bin/docker-compose', floor: path.join(WORK, 'floor.mjs') };
  mkdirSync(path.join(WORK, 'locks'), { recursive: true });
  const runId = randomBytes(2).toString('hex');
  const engine = await EngineClient.connect({ env: {} });
  const proxy = await CountingProxy.start(path.join(WORK, `proxy-${process.pid}.sock`));
  const samples: Sample[] = [];
  const started = new Date();
  const loads: number[][] = [loadAverage()];
  const moor = moorBuild(REPO);
  const interrupted = new AbortController();
  process.once('SIGINT', () => interrupted.abort());
  const done: number[] = [];
  let startup: StartupResult[] = [];
  let cpu: CpuResult[] = [];
  const report = async (n: number | null): Promise<void> => {
    if (n !== null) done.push(n);
    const facts = await machineFacts(engine, paths, started, [...loads, loadAverage()], moor);
    const sizes = options.sizes.filter((s) => done.includes(s));
    const reportOptions = { sizes, rounds: options.rounds, bigRounds: options.bigRounds, quick: options.quick, cpuServices: options.cpuServices };
    writeReport(options.out, { facts, samples, startup, cpu, options: reportOptions });
    writeFileSync(path.join(WORK, `samples-${started.toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify({ facts, samples, startup, cpu, options: reportOptions }, null, 1));
    process.stderr.write(`bench: results (sizes ${sizes.join(', ') || 'none'}) written to ${path.relative(process.cwd(), options.out)}\n`);
  };
  try {
    startup = await runStartup(paths, options.quick ? 5 : 15);
    cpu = await runCpu(paths, options.cpuServices, options.quick ? 2 : 5);
    if (options.sizes.length === 0) await report(null);
    for (const n of options.sizes) {
      const rounds = n >= 100 ? options.bigRounds : options.rounds;
      for (let round = 0; round <= rounds; round++) {
        loads.push(loadAverage());
        for (const part of ['swarm', 'containers', 'all'] as const) {
          for (const tool of options.tools) {
            if (interrupted.signal.aborted) throw new Error('interrupted');
            if (!TOOL_PARTS[tool].includes(part)) continue;
            try {
              await runSequence({ engine, paths, runId, n, round, proxy: round === 0 ? proxy : null, samples }, tool, part);
            } catch (err: unknown) {
              // The Engine went away (another user restarted dockerd...): note it, wait for it, go on.
              process.stderr.write(`bench: n=${n} r${round} ${tool}/${part}: ${err instanceof Error ? err.message : String(err)}\n`);
              await waitForEngine(engine);
            }
          }
        }
      }
      // Written after each size: a run cut short still leaves the sizes it finished.
      await report(n);
    }
  } finally {
    await proxy.close();
    await engine.close();
  }
}

await main();
